package app.nyckel.app.ui.add

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.NyckelException
import app.nyckel.ParseResult
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import app.nyckel.app.logic.ScannedCode
import app.nyckel.parseUri
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class AddPreviewUi(
    val preview: ParseResult? = null,
    val problem: Problem? = null,
    /** The account this secret is already stored as ("already added"). */
    val existingId: Long? = null,
    val busy: Boolean = false,
    val added: Boolean = false,
)

/**
 * What the scanned `otpauth://` URI describes — `parseUri`, no secret shown, with the parser's
 * warnings — before `addUri`. The URI stays in memory only ([AppGraph.scanned]) and is dropped
 * when this screen goes.
 */
class AddPreviewViewModel(private val graph: AppGraph) : ViewModel() {
    private val uri: String? = (graph.scanned.value as? ScannedCode.Otp)?.uri
    private val _ui = MutableStateFlow(AddPreviewUi())
    val ui: StateFlow<AddPreviewUi> = _ui.asStateFlow()

    init {
        viewModelScope.launch {
            val u = uri ?: return@launch _ui.update { it.copy(problem = Problem(Problem.Kind.NOT_AN_ACCOUNT)) }
            try {
                val parsed = withContext(Dispatchers.IO) { parseUri(u) }
                _ui.update { it.copy(preview = parsed) }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            }
        }
    }

    fun add() {
        val u = uri ?: return
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                graph.session.call { it.addUri(u) }
                graph.scanned.value = null
                _ui.update { it.copy(added = true) }
            } catch (e: NyckelException.Duplicate) {
                _ui.update { it.copy(problem = Problem.of(e), existingId = e.existingId) }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }

    override fun onCleared() {
        graph.scanned.value = null
    }
}
