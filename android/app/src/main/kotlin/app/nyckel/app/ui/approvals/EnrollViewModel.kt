package app.nyckel.app.ui.approvals

import android.os.Build
import android.provider.Settings
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.EnrollmentInfo
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import app.nyckel.app.logic.ScannedCode
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class EnrollUi(
    val deviceName: String,
    val busy: Boolean = false,
    val enrolled: EnrollmentInfo? = null,
    val problem: Problem? = null,
    val hasCode: Boolean = true,
)

/**
 * Enrollment from a scanned `nyckel-enroll://` code: `enroll(uri, deviceName, pushToken)`
 * creates the device key (Keystore, no prompt), registers it, pins the provider key and
 * stores the enrollment (and the OTP account the code may carry). The app does not parse the
 * code itself; the library reports what is wrong with it (`InvalidEnrollmentCode(reason)`).
 */
class EnrollViewModel(private val graph: AppGraph) : ViewModel() {
    private val uri: String? = (graph.scanned.value as? ScannedCode.Enrollment)?.uri
    private val _ui = MutableStateFlow(EnrollUi(deviceName = defaultDeviceName(), hasCode = uri != null))
    val ui: StateFlow<EnrollUi> = _ui.asStateFlow()

    fun onDeviceName(v: String) = _ui.update { it.copy(deviceName = v.take(64)) }

    fun enroll() {
        val u = uri ?: return
        if (_ui.value.busy) return
        val name = _ui.value.deviceName.trim().ifEmpty { Build.MODEL }
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                val info = graph.session.call { graph.approvals().enroll(u, name, graph.settings.pushToken) }
                graph.scanned.value = null
                _ui.update { it.copy(enrolled = info) }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }

    private fun defaultDeviceName(): String =
        Settings.Global.getString(graph.appContext.contentResolver, Settings.Global.DEVICE_NAME)?.takeIf { it.isNotBlank() }
            ?: "${Build.MANUFACTURER} ${Build.MODEL}"

    override fun onCleared() {
        graph.scanned.value = null
    }
}
