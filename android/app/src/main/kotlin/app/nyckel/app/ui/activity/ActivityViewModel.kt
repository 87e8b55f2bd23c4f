package app.nyckel.app.ui.activity

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.ActivityRow
import app.nyckel.app.logic.Problem
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

data class ActivityUi(val rows: List<ActivityRow> = emptyList(), val loaded: Boolean = false, val problem: Problem? = null)

/** The vault's activity log, newest first (`activity()`). */
class ActivityViewModel(private val graph: AppGraph) : ViewModel() {
    private val _ui = MutableStateFlow(ActivityUi())
    val ui: StateFlow<ActivityUi> = _ui.asStateFlow()

    init {
        viewModelScope.launch {
            _ui.value = try {
                ActivityUi(graph.session.call { v -> v.activity(200u) }.map(ActivityRow::of), loaded = true)
            } catch (e: NyckelException) {
                ActivityUi(loaded = true, problem = Problem.of(e))
            }
        }
    }
}
