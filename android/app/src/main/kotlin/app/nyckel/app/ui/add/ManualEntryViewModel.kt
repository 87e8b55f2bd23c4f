package app.nyckel.app.ui.add

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.ManualEntryForm
import app.nyckel.app.logic.Problem
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class ManualEntryUi(
    val form: ManualEntryForm = ManualEntryForm(),
    /** Field problems are shown only after the first "Add" tap. */
    val showProblems: Boolean = false,
    val problem: Problem? = null,
    val busy: Boolean = false,
    /** Added; the parser's warnings (may be empty) are shown before leaving. */
    val addedWarnings: List<String>? = null,
)

/** The form lives in [ManualEntryForm] (JVM-tested); this only calls `addManual`. */
class ManualEntryViewModel(private val graph: AppGraph) : ViewModel() {
    private val _ui = MutableStateFlow(ManualEntryUi())
    val ui: StateFlow<ManualEntryUi> = _ui.asStateFlow()

    fun edit(change: (ManualEntryForm) -> ManualEntryForm) = _ui.update { it.copy(form = change(it.form), problem = null) }

    fun add() {
        val form = _ui.value.form
        if (!form.isValid) {
            _ui.update { it.copy(showProblems = true) }
            return
        }
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                val added = graph.session.call { it.addManual(form.toManualAccount()) }
                _ui.update { it.copy(addedWarnings = added.warnings, form = ManualEntryForm()) }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }

    override fun onCleared() {
        _ui.update { ManualEntryUi() } // drop the typed secret
    }
}
