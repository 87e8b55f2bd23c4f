package app.nyckel.app.ui.move

import android.content.ClipData
import android.content.Intent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.FileProvider
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.PhoneTransferExportFlow
import app.nyckel.PhoneTransferExportFlow.Step
import app.nyckel.app.R
import app.nyckel.app.logic.Problem
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.leftOutText
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked
import app.nyckel.app.ui.details.QrBitmap
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * "Flytta till ny telefon" on the old phone: explains, exports, shows the one-time key as a
 * QR code and a 6-digit code, and saves the package file (Storage Access Framework: a cloud
 * drive, a USB stick) or shares it (ACTION_SEND with a FileProvider URI: Nearby Share, e-mail
 * to oneself). Draws the library's
 * PhoneTransferExportFlow; the window is FLAG_SECURE like every screen.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun MoveOutScreen(onBack: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { MoveOutViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val saveAs = rememberLauncherKeepingUnlocked(ActivityResultContracts.CreateDocument(PhoneTransferExportFlow.MIME_TYPE)) { uri ->
        val showing = ui.step as? Step.ShowingKey
        if (uri == null || showing == null) return@rememberLauncherKeepingUnlocked vm.saveResult(null)
        scope.launch {
            val ok = withContext(Dispatchers.IO) {
                runCatching { context.contentResolver.openOutputStream(uri, "wt")?.use { it.write(showing.packageBytes) } != null }.getOrDefault(false)
            }
            vm.saveResult(ok)
        }
    }

    // The share sheet: an activity opened for a result, so the vault stays unlocked meanwhile.
    val share = rememberLauncherKeepingUnlocked(ActivityResultContracts.StartActivityForResult()) { }
    val shareTitle = stringResource(R.string.move_out_share_title)

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.move_out_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
            horizontalAlignment = Alignment.CenterHorizontally,
        ) {
            when (val step = ui.step) {
                Step.Idle, is Step.Failed -> {
                    Text(stringResource(R.string.move_out_intro))
                    Button(onClick = vm::start, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.move_out_start)) }
                    if (step is Step.Failed) Text(problemText(Problem.of(step.error)), color = MaterialTheme.colorScheme.error)
                }
                Step.Exporting -> {
                    LinearProgressIndicator(Modifier.fillMaxWidth())
                    Text(stringResource(R.string.move_out_exporting))
                }
                is Step.ShowingKey -> {
                    Text(stringResource(R.string.move_out_save_first), style = MaterialTheme.typography.titleMedium)
                    Button(onClick = { saveAs.launch(step.fileName) }, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(if (step.saved) R.string.move_out_saved else R.string.move_out_save))
                    }
                    OutlinedButton(onClick = {
                        scope.launch {
                            val file = vm.shareFile(File(context.cacheDir, SHARE_DIR)) ?: return@launch
                            val uri = FileProvider.getUriForFile(context, "${context.packageName}.share", file)
                            val send = Intent(Intent.ACTION_SEND)
                                .setType(PhoneTransferExportFlow.MIME_TYPE)
                                .putExtra(Intent.EXTRA_STREAM, uri)
                                .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
                            // The chooser passes the grant on only through ClipData.
                            send.clipData = ClipData.newRawUri(step.fileName, uri)
                            share.launch(Intent.createChooser(send, shareTitle))
                        }
                    }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.move_out_share)) }
                    if (ui.saveFailed) Text(stringResource(R.string.problem_backup_not_saved), color = MaterialTheme.colorScheme.error)
                    Text(stringResource(R.string.move_out_scan_this))
                    val qr = remember(step.qrPayload) { QrBitmap.render(step.qrPayload).asImageBitmap() }
                    Image(qr, contentDescription = stringResource(R.string.move_out_qr_description), modifier = Modifier.size(260.dp))
                    Text(stringResource(R.string.move_out_code_label))
                    Text(step.code.chunked(3).joinToString(" "), style = MaterialTheme.typography.displaySmall)
                    Text(stringResource(R.string.move_out_key_text, step.keyText), style = MaterialTheme.typography.bodySmall)
                    Text(stringResource(R.string.move_out_counts, step.accounts, step.moving.size))
                    // What stays here (the library's leftOut, an enrollment with its provider's refusal), before "finish".
                    if (step.leftBehind.isNotEmpty()) {
                        Text(stringResource(R.string.move_out_not_moving), style = MaterialTheme.typography.titleSmall)
                        step.leftBehind.forEach { item ->
                            ListItem(
                                headlineContent = { Text(item.label) },
                                supportingContent = {
                                    Column {
                                        item.failure?.let { f ->
                                            Text(stringResource(R.string.move_out_left_behind_refused,
                                                problemText(Problem(Problem.kindOf(f.kind), nextStep = f.nextStep))))
                                        }
                                        item.cause?.let { cause ->
                                            Text(stringResource(R.string.move_out_left_behind_why, leftOutText(cause)), style = MaterialTheme.typography.bodySmall)
                                        }
                                    }
                                },
                            )
                        }
                    }
                    OutlinedButton(onClick = vm::finish, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.move_out_finish)) }
                }
                is Step.Done -> {
                    Text(stringResource(R.string.move_out_done), style = MaterialTheme.typography.titleMedium)
                    Button(onClick = onBack, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
                }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}

/** The cache subdirectory the share FileProvider serves (res/xml/share_paths.xml). */
private const val SHARE_DIR = "shared"
