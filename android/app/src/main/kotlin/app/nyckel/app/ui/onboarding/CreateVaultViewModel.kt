package app.nyckel.app.ui.onboarding

import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.FirstRunFlow
import app.nyckel.app.logic.Problem
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class CreateVaultUi(
    /** Strong biometrics enrolled: the vault key can be a Keystore key behind BiometricPrompt. */
    val biometricsAvailable: Boolean,
    val usePassphrase: Boolean,
    val passphrase: String = "",
    val confirm: String = "",
    val busy: Boolean = false,
    val problem: Problem? = null,
    val intent: FirstRunFlow.Intent = FirstRunFlow.Intent.FRESH,
) {
    val passphraseMismatch: Boolean get() = confirm.isNotEmpty() && confirm != passphrase
    val canCreateWithPassphrase: Boolean get() = passphrase.length >= MIN_PASSPHRASE && passphrase == confirm && !busy

    companion object {
        const val MIN_PASSPHRASE = 8
    }
}

/** First start: `createWithProtector` (Keystore + BiometricPrompt) or, without biometrics, `create` with a passphrase. */
class CreateVaultViewModel(private val graph: AppGraph) : ViewModel() {
    private val biometrics = BiometricManager.from(graph.appContext).canAuthenticate(BIOMETRIC_STRONG) == BiometricManager.BIOMETRIC_SUCCESS
    private val _ui = MutableStateFlow(CreateVaultUi(biometricsAvailable = biometrics, usePassphrase = !biometrics))
    val ui: StateFlow<CreateVaultUi> = _ui.asStateFlow()

    fun usePassphrase(on: Boolean) = _ui.update { it.copy(usePassphrase = on || !it.biometricsAvailable, problem = null) }
    fun onPassphrase(v: String) = _ui.update { it.copy(passphrase = v) }
    fun onConfirm(v: String) = _ui.update { it.copy(confirm = v) }

    /** What the user came to do (the welcome screen's "Restore from backup" / "Move from my old phone"). */
    fun choose(intent: FirstRunFlow.Intent) = _ui.update { it.copy(intent = intent) }

    fun createWithBiometrics() {
        val intent = _ui.value.intent
        perform {
            // First run (logic/FirstRunFlow): a recovery code or passphrase next, then the
            // chosen restore or move, then the offer of automatic backups.
            graph.session.createWithBiometrics { graph.newFirstRun().apply { choose(intent); vaultCreated(null) } }
        }
    }

    fun createWithPassphrase() {
        val p = _ui.value.passphrase
        val intent = _ui.value.intent
        if (!_ui.value.canCreateWithPassphrase) return
        perform {
            // The passphrase is the recovery secret: no recovery step, it seals the backups.
            graph.session.createWithPassphrase(p) { graph.newFirstRun().apply { choose(intent); vaultCreated(p) } }
            graph.settings.recoveryPassphraseSet = true
        }
    }

    private fun perform(block: suspend () -> Unit) {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                // Not cancellable: creating the vault unlocks it, which clears this view model
                // (each gate state has its own store), and what follows must still run.
                withContext(NonCancellable) { block() }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e).takeUnless(Problem::isSilent)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }
}
