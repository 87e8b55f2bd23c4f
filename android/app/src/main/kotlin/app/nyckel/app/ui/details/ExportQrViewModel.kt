package app.nyckel.app.ui.details

import android.graphics.Bitmap
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.ExportVia
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class ExportQrUi(val qr: Bitmap? = null, val busy: Boolean = false, val problem: Problem? = null)

/**
 * "Show QR code" (move the account to another phone): the secret leaves the vault only after
 * the user read the warning and tapped, through `exportUri(id, ExportVia.QR)` (logged in the
 * activity log). Only the bitmap is kept, and it is dropped when the screen stops.
 */
class ExportQrViewModel(private val graph: AppGraph, private val id: Long) : ViewModel() {
    private val _ui = MutableStateFlow(ExportQrUi())
    val ui: StateFlow<ExportQrUi> = _ui.asStateFlow()

    fun show() {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                val uri = graph.session.call { it.exportUri(id, ExportVia.QR) }
                val bitmap = withContext(Dispatchers.Default) { QrBitmap.render(uri) }
                _ui.update { it.copy(qr = bitmap) }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }

    fun hide() = _ui.update { it.copy(qr = null) }

    override fun onCleared() = hide()
}
