package app.nyckel.app.ui.transfer

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.BackupFlow
import app.nyckel.app.logic.Problem
import app.nyckel.app.logic.VaultTransferPort
import java.time.LocalDate
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class BackupUi(
    val step: BackupFlow.Step = BackupFlow.Step.Loading,
    val password: String = "",
    val confirm: String = "",
    val problem: Problem? = null,
    val busy: Boolean = false,
) {
    val passwordProblem: BackupFlow.PasswordProblem? get() = BackupFlow.passwordProblem(password, confirm)
}

/** "Säkerhetskopiera": the steps are logic/BackupFlow's (JVM-tested); this runs them off the main thread. */
class BackupViewModel(private val graph: AppGraph) : ViewModel() {
    private val flow = BackupFlow()
    private val _ui = MutableStateFlow(BackupUi())
    val ui: StateFlow<BackupUi> = _ui.asStateFlow()

    init {
        perform { flow.load(it) }
    }

    fun onPassword(v: String) = _ui.update { it.copy(password = v) }
    fun onConfirm(v: String) = _ui.update { it.copy(confirm = v) }

    fun create() {
        val (password, confirm) = _ui.value.let { it.password to it.confirm }
        perform { flow.create(it, password, confirm, LocalDate.now()) }
    }

    /** The system's "save as" finished: written ([ok]), cancelled ([ok] null) or failed. */
    fun saveResult(ok: Boolean?) {
        when (ok) {
            true -> flow.saved()
            null -> flow.saveFailed(cancelled = true)
            false -> flow.saveFailed(cancelled = false)
        }
        _ui.update { it.copy(step = flow.step, problem = flow.problem, password = "", confirm = "") }
    }

    private fun perform(action: (VaultTransferPort) -> Unit) {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            val failure = runCatching { graph.session.call { vault -> action(VaultTransferPort(vault)) } }.exceptionOrNull()
            _ui.update {
                it.copy(step = flow.step, problem = failure?.let(Problem::of)?.takeUnless(Problem::isSilent) ?: flow.problem, busy = false)
            }
        }
    }
}
