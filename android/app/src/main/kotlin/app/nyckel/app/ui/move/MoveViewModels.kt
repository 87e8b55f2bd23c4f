package app.nyckel.app.ui.move

import android.os.Build
import android.provider.Settings
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.ApprovalsTransferPort
import app.nyckel.PhoneTransferExportFlow
import app.nyckel.PhoneTransferImportFlow
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import app.nyckel.app.security.KeystoreDeviceKeyStore
import java.io.File
import java.time.LocalDate
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class MoveOutUi(
    val step: PhoneTransferExportFlow.Step = PhoneTransferExportFlow.Step.Idle,
    val saveFailed: Boolean = false,
    /** A failure outside the flow (the vault locked under it). */
    val problem: Problem? = null,
)

/** "Flytta till ny telefon" on the old phone: the library's PhoneTransferExportFlow, run off the main thread. */
class MoveOutViewModel(private val graph: AppGraph) : ViewModel() {
    private val flow: PhoneTransferExportFlow = PhoneTransferExportFlow(::publish)
    private val _ui = MutableStateFlow(MoveOutUi())
    val ui: StateFlow<MoveOutUi> = _ui.asStateFlow()

    private fun publish(step: PhoneTransferExportFlow.Step) = _ui.update { it.copy(step = step, saveFailed = flow.saveFailed) }

    fun start() {
        _ui.update { it.copy(problem = null) }
        viewModelScope.launch {
            runCatching { graph.session.call { flow.start(ApprovalsTransferPort(graph.approvals()), LocalDate.now()) } }
                .onFailure { e -> _ui.update { it.copy(problem = Problem.of(e).takeUnless(Problem::isSilent)) } }
        }
    }

    /** The system's "save as" finished: written ([ok]), cancelled ([ok] null) or failed. */
    fun saveResult(ok: Boolean?) = when (ok) {
        true -> flow.packageSaved()
        null -> flow.packageNotSaved(cancelled = true)
        false -> flow.packageNotSaved(cancelled = false)
    }

    /**
     * The package as a file for the share sheet (the library's `shareFile`: owner-only in
     * cacheDir/shared, deleted by finish and cancel); null when it cannot be written (shown as
     * a failed save).
     */
    suspend fun shareFile(dir: File): File? = withContext(Dispatchers.IO) {
        runCatching { flow.shareFile(dir) }.getOrNull()
    }.also { if (it == null) flow.packageNotSaved(cancelled = false) }

    fun finish() = flow.finish()

    override fun onCleared() = flow.cancel() // wipes the key and the package
}

data class MoveInUi(
    val step: PhoneTransferImportFlow.Step = PhoneTransferImportFlow.Step.ChoosePackage,
    val problem: Problem? = null,
    val notATransferCode: Boolean = false,
    val fileNotRead: Boolean = false,
)

/** The new phone's side: the library's PhoneTransferImportFlow, run off the main thread. */
class MoveInViewModel(private val graph: AppGraph) : ViewModel() {
    private val flow: PhoneTransferImportFlow = PhoneTransferImportFlow(deviceName(), ::publish)
    private val _ui = MutableStateFlow(MoveInUi())
    val ui: StateFlow<MoveInUi> = _ui.asStateFlow()

    private fun publish(step: PhoneTransferImportFlow.Step) = _ui.update {
        it.copy(
            step = step,
            problem = flow.error?.let(Problem::of)?.takeUnless(Problem::isSilent),
            notATransferCode = flow.local == PhoneTransferImportFlow.Local.NOT_A_TRANSFER_CODE,
            fileNotRead = false,
        )
    }

    fun choosePackage(bytes: ByteArray) = perform { flow.choosePackage(it, bytes) }
    fun fileNotRead() = _ui.update { it.copy(fileNotRead = true) }
    fun scanned(text: String) = flow.scanned(text) // no library call but the scheme check: any thread
    fun typeKeyInstead() = flow.typeKeyInstead()
    fun scanAgain() = flow.scanAgain()
    fun submitCode(code: String) = perform { flow.submitCode(it, code) }
    fun submitKeyText(text: String) = perform { flow.submitKeyText(it, text) }
    fun reset() = flow.reset()

    private fun perform(action: (ApprovalsTransferPort) -> Unit) {
        viewModelScope.launch {
            runCatching {
                graph.session.call {
                    // Phone sign-in comes back with a fresh key: its proof asks for biometrics.
                    graph.deviceKeys.withPurpose(KeystoreDeviceKeyStore.Purpose.ENABLE_PHONE_SIGN_IN) {
                        action(ApprovalsTransferPort(graph.approvals()))
                    }
                }
            }.onFailure { e -> _ui.update { it.copy(problem = Problem.of(e).takeUnless(Problem::isSilent)) } }
        }
    }

    private fun deviceName(): String =
        Settings.Global.getString(graph.appContext.contentResolver, Settings.Global.DEVICE_NAME)?.takeIf { it.isNotBlank() }
            ?: "${Build.MANUFACTURER} ${Build.MODEL}"

    override fun onCleared() = flow.reset() // wipes the package
}
