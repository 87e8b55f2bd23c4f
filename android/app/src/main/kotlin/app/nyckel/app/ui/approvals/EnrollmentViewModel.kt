package app.nyckel.app.ui.approvals

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.EnrollmentInfo
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import app.nyckel.app.security.KeystoreDeviceKeyStore
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class EnrollmentUi(
    val info: EnrollmentInfo? = null,
    val busy: Boolean = false,
    val confirmRemove: Boolean = false,
    val removed: Boolean = false,
    val problem: Problem? = null,
)

/**
 * One work/school account enrolled for sign-in approvals: the "Phone sign-in" toggle
 * (`enablePhoneSignin`: creates the biometric-gated key and proves it — the BiometricPrompt
 * is that signature; `disablePhoneSignin`) and removal (`removeEnrollment`).
 */
class EnrollmentViewModel(private val graph: AppGraph, private val id: Long) : ViewModel() {
    private val _ui = MutableStateFlow(EnrollmentUi())
    val ui: StateFlow<EnrollmentUi> = _ui.asStateFlow()

    init {
        perform { reload() }
    }

    private suspend fun reload() {
        val info = graph.session.call { graph.approvals().enrollments() }.firstOrNull { it.id == id }
        _ui.update { it.copy(info = info, problem = if (info == null) Problem(Problem.Kind.ENROLLMENT_NOT_FOUND) else null) }
    }

    fun setPhoneSignin(on: Boolean) = perform {
        graph.session.call {
            if (on) {
                graph.deviceKeys.withPurpose(KeystoreDeviceKeyStore.Purpose.ENABLE_PHONE_SIGN_IN) { graph.approvals().enablePhoneSignin(id) }
            } else {
                graph.approvals().disablePhoneSignin(id)
            }
        }
        reload()
    }

    fun askRemove(show: Boolean) = _ui.update { it.copy(confirmRemove = show) }

    fun remove() {
        _ui.update { it.copy(confirmRemove = false) }
        perform {
            graph.session.call { graph.approvals().removeEnrollment(id) }
            _ui.update { it.copy(removed = true) }
        }
    }

    private fun perform(block: suspend () -> Unit) {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
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
