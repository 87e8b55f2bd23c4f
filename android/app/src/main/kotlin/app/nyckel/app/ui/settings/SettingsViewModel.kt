package app.nyckel.app.ui.settings

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import app.nyckel.app.ui.onboarding.CreateVaultUi
import app.nyckel.nyckelVersion
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class SettingsUi(
    val lockTimeoutSeconds: Long,
    val recoveryPassphraseSet: Boolean,
    val biometricUnlock: Boolean? = null,
    val editingPassphrase: Boolean = false,
    val passphrase: String = "",
    val confirm: String = "",
    val busy: Boolean = false,
    val message: Int? = null,
    val problem: Problem? = null,
    val version: String = "",
) {
    val canSavePassphrase: Boolean
        get() = passphrase.length >= CreateVaultUi.MIN_PASSPHRASE && passphrase == confirm && !busy
}

/**
 * Lock timeout, the optional recovery passphrase (`setPassphrase`: the way back in when new
 * biometrics invalidate the Keystore key), biometric unlock on/off (`enablePlatformKey` /
 * `disablePlatformKey`).
 */
class SettingsViewModel(private val graph: AppGraph) : ViewModel() {
    private val _ui = MutableStateFlow(
        SettingsUi(
            lockTimeoutSeconds = graph.settings.lockTimeoutSeconds,
            recoveryPassphraseSet = graph.settings.recoveryPassphraseSet,
            version = nyckelVersion(),
        ),
    )
    val ui: StateFlow<SettingsUi> = _ui.asStateFlow()

    init {
        viewModelScope.launch {
            val on = runCatching { graph.session.call { it.hasPlatformKey() } }.getOrNull()
            _ui.update { it.copy(biometricUnlock = on) }
        }
    }

    fun setLockTimeout(seconds: Long) {
        graph.settings.lockTimeoutSeconds = seconds
        _ui.update { it.copy(lockTimeoutSeconds = seconds) }
    }

    fun editPassphrase(show: Boolean) = _ui.update { it.copy(editingPassphrase = show, passphrase = "", confirm = "", problem = null) }
    fun onPassphrase(v: String) = _ui.update { it.copy(passphrase = v) }
    fun onConfirm(v: String) = _ui.update { it.copy(confirm = v) }

    fun savePassphrase() {
        if (!_ui.value.canSavePassphrase) return
        val p = _ui.value.passphrase
        perform {
            graph.session.call { it.setPassphrase(p) }
            graph.settings.recoveryPassphraseSet = true
            _ui.update { it.copy(recoveryPassphraseSet = true, editingPassphrase = false, passphrase = "", confirm = "", message = app.nyckel.app.R.string.settings_passphrase_saved) }
        }
    }

    fun setBiometricUnlock(on: Boolean) = perform {
        if (on) graph.session.reenrolBiometrics() else graph.session.disableBiometrics()
        _ui.update { it.copy(biometricUnlock = on) }
    }

    private fun perform(block: suspend () -> Unit) {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null, message = null) }
        viewModelScope.launch {
            try {
                block()
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e).takeUnless(Problem::isSilent)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }
}
