package app.nyckel.app.ui.lock

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class LockUi(
    val busy: Boolean = false,
    val problem: Problem? = null,
    /** New biometrics were enrolled: the Keystore key is gone. Offer the recovery passphrase. */
    val keyInvalidated: Boolean = false,
    val recoveryPassphraseSet: Boolean = false,
    val passphrase: String = "",
    val confirmReset: Boolean = false,
)

/**
 * Unlock: `unlockWithProtector` (the BiometricPrompt *is* the key operation) or the recovery
 * passphrase. UserCancelled → stay here, say nothing. KeyInvalidated → explain; with a
 * passphrase, unlock with it and enrol a new Keystore key; without, the only way on is a reset.
 */
class LockViewModel(private val graph: AppGraph) : ViewModel() {
    private val _ui = MutableStateFlow(LockUi(recoveryPassphraseSet = graph.settings.recoveryPassphraseSet))
    val ui: StateFlow<LockUi> = _ui.asStateFlow()
    private var autoPrompted = false

    /**
     * Called when the lock screen appears: prompt once without a tap. This view model lives as
     * long as one locked period (NyckelApp gives each gate state its own store), so every
     * lock screen prompts once and starts without a stale "key invalidated".
     */
    fun autoUnlock(hasBiometricKey: Boolean) {
        if (autoPrompted || !hasBiometricKey) return
        autoPrompted = true
        unlockWithBiometrics()
    }

    fun unlockWithBiometrics() {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                graph.session.unlockWithBiometrics()
            } catch (e: NyckelException) {
                val p = Problem.of(e)
                _ui.update {
                    it.copy(
                        problem = p.takeUnless { p.isSilent },
                        keyInvalidated = it.keyInvalidated || p.kind == Problem.Kind.KEY_INVALIDATED,
                    )
                }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }

    fun onPassphrase(value: String) = _ui.update { it.copy(passphrase = value) }

    fun unlockWithPassphrase() {
        val passphrase = _ui.value.passphrase
        if (passphrase.isEmpty() || _ui.value.busy) return
        val reenrol = _ui.value.keyInvalidated
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                // Not cancellable: the unlock clears this view model (the lock screen goes),
                // and the re-enrolment must still be started.
                withContext(NonCancellable) {
                    graph.session.unlockWithPassphrase(passphrase)
                    // A new Keystore key for the next unlock; runs in the app scope because this
                    // screen leaves as soon as the vault is open. Two prompts (wrap, then the check).
                    if (reenrol) graph.scope.launch(Dispatchers.IO) { runCatching { graph.session.reenrolBiometrics() } }
                }
                _ui.update { it.copy(passphrase = "") }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }

    fun askReset(show: Boolean) = _ui.update { it.copy(confirmReset = show) }

    /** Deletes the vault, its key and the device keys. The accounts are gone. */
    fun reset() {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, confirmReset = false) }
        viewModelScope.launch {
            try {
                // Not cancellable: the state change to NoVault clears this view model, and the
                // rest must still run.
                withContext(NonCancellable + Dispatchers.IO) {
                    graph.forgetApprovals()
                    graph.forgetAutoBackup() // its key was sealed under the deleted vault
                    graph.session.reset()
                    runCatching { graph.deviceKeys.deleteAll() }
                    graph.settings.recoveryPassphraseSet = false
                    graph.settings.pushTokenSent = null
                }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                // Normally this view model is cleared with the lock screen (the state is now
                // NoVault); if the reset failed, the screen stays usable.
                _ui.update { it.copy(busy = false) }
            }
        }
    }
}
