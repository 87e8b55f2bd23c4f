package app.nyckel.app.ui.transfer

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.ImportFlow
import app.nyckel.app.logic.Problem
import app.nyckel.app.logic.VaultTransferPort
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

data class ImportUi(val step: ImportFlow.Step = ImportFlow.Step.Choose, val problem: Problem? = null, val busy: Boolean = false)

/**
 * "Importera" and "Återställ från säkerhetskopia" ([restore]: the format is fixed to a Nyckel
 * backup). The steps are logic/ImportFlow's (JVM-tested); this runs them on the vault's IO
 * dispatcher one at a time and publishes the result.
 */
class ImportViewModel(private val graph: AppGraph, restore: Boolean) : ViewModel() {
    private val flow = ImportFlow(if (restore) ImportFlow.BACKUP_FORMAT else null)
    private val serial = Mutex()
    private val submitted = HashSet<String>()
    private val _ui = MutableStateFlow(ImportUi())
    val ui: StateFlow<ImportUi> = _ui.asStateFlow()

    fun chooseFile(bytes: ByteArray) = perform { flow.chooseFile(it, bytes) }
    fun submitPassword(password: String) = perform { flow.submitPassword(it, password) }
    fun startScanning() {
        submitted.clear()
        perform { flow.startScanning() }
    }
    /** Texts the camera delivered; each is handed over once (the camera sees a code many times a second). */
    fun scanned(text: String) {
        if (submitted.add(text.trim())) perform { flow.scanned(it, text) }
    }
    fun confirm() = perform { flow.confirm(it) }
    fun reset() {
        submitted.clear()
        perform { flow.reset() }
    }

    /** The picked file could not be read at all (the provider failed, too large). */
    fun fileNotRead() = _ui.value.let { _ui.value = it.copy(problem = Problem(Problem.Kind.FILE_NOT_READ)) }

    private fun perform(action: (VaultTransferPort) -> Unit) {
        viewModelScope.launch {
            serial.withLock {
                _ui.value = _ui.value.copy(busy = true)
                // The flow turns Nyckel's errors into its problem; only a closed vault lands here.
                val failure = runCatching { graph.session.call { vault -> action(VaultTransferPort(vault)) } }.exceptionOrNull()
                val problem = failure?.let(Problem::of)?.takeUnless(Problem::isSilent) ?: flow.problem
                _ui.value = ImportUi(flow.step, problem, busy = false)
            }
        }
    }

    override fun onCleared() {
        flow.reset() // drop the file and password with the screen
    }
}
