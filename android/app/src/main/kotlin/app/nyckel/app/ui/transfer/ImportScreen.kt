package app.nyckel.app.ui.transfer

import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
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
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.ImportOutcome
import app.nyckel.app.R
import app.nyckel.app.logic.BoundedRead
import app.nyckel.app.logic.ImportFlow
import app.nyckel.app.logic.ImportFlow.Step
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.add.QrCamera
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.PassphraseField
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * "Importera" ([restore] false: a file of another app, or Google Authenticator's transfer QR
 * codes) and "Återställ från säkerhetskopia" ([restore] true: a Nyckel backup). Draws
 * logic/ImportFlow's steps; nothing is added before the user confirms the preview.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ImportScreen(restore: Boolean, onBack: () -> Unit, onDone: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { ImportViewModel(graph, restore) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val pickFile = rememberLauncherKeepingUnlocked(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri == null) return@rememberLauncherKeepingUnlocked
        scope.launch {
            val bytes = withContext(Dispatchers.IO) {
                runCatching { context.contentResolver.openInputStream(uri)?.use { BoundedRead.read(it) } }.getOrNull()
            }
            if (bytes != null) vm.chooseFile(bytes) else vm.fileNotRead()
        }
    }
    val title = stringResource(if (restore) R.string.restore_title else R.string.import_title)

    Scaffold(topBar = { TopAppBar(title = { Text(title) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            when (val step = ui.step) {
                Step.Choose -> {
                    if (restore) Text(stringResource(R.string.restore_intro))
                    ListItem(
                        headlineContent = { Text(stringResource(R.string.import_choose_file)) },
                        supportingContent = { if (!restore) Text(stringResource(R.string.import_choose_file_body)) },
                        modifier = Modifier.fillMaxWidth(),
                    )
                    Button(onClick = { pickFile.launch(arrayOf("*/*")) }, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.import_choose_file))
                    }
                    if (!restore) {
                        ListItem(
                            headlineContent = { Text(stringResource(R.string.import_scan_google)) },
                            supportingContent = { Text(stringResource(R.string.import_scan_google_body)) },
                        )
                        OutlinedButton(onClick = vm::startScanning, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                            Text(stringResource(R.string.import_scan_google))
                        }
                    }
                }
                is Step.Password -> {
                    var password by remember { mutableStateOf("") }
                    Text(stringResource(R.string.import_password_title), style = MaterialTheme.typography.titleMedium)
                    Text(stringResource(if (restore) R.string.restore_password_body else R.string.import_password_body))
                    PassphraseField(password, { password = it }, stringResource(R.string.import_password), Modifier.fillMaxWidth(), onDone = { vm.submitPassword(password) })
                    if (ImportFlow.isWrongPassword(ui.problem)) Text(stringResource(R.string.import_wrong_password), color = MaterialTheme.colorScheme.error)
                    Button(onClick = { vm.submitPassword(password) }, enabled = !ui.busy && password.isNotEmpty(), modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.import_continue))
                    }
                }
                is Step.Scanning -> {
                    val progress = step.progress
                    Text(
                        if (progress == null) stringResource(R.string.import_scan_first)
                        else stringResource(R.string.import_scan_progress, progress.scanned.size, progress.total.toInt(), progress.missing.joinToString(", ")),
                    )
                    Box(Modifier.fillMaxWidth().height(320.dp)) {
                        QrCamera { texts -> texts.forEach(vm::scanned) }
                    }
                }
                is Step.Preview -> Preview(step, restore, ui.busy, vm::confirm)
                is Step.Done -> {
                    val n = step.summary.imported.toInt()
                    Text(
                        if (n == 0) stringResource(R.string.import_nothing)
                        else stringResource(if (restore) R.string.restore_done else R.string.import_done, n),
                        style = MaterialTheme.typography.titleMedium,
                    )
                    Outcomes(step.summary.entries.filter { it.outcome is ImportOutcome.Failed })
                    Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
                    if (!restore) OutlinedButton(onClick = vm::reset, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.import_another)) }
                }
            }
            ui.problem?.takeUnless { ImportFlow.isWrongPassword(it) }?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}

@Composable
private fun Preview(step: Step.Preview, restore: Boolean, busy: Boolean, onConfirm: () -> Unit) {
    val s = step.summary
    Text(stringResource(R.string.import_preview_title), style = MaterialTheme.typography.titleMedium)
    Text(stringResource(R.string.import_format, s.format), style = MaterialTheme.typography.bodySmall)
    Text(stringResource(R.string.import_preview_new, s.wouldImport.toInt()))
    Text(stringResource(R.string.import_preview_duplicates, s.duplicates.toInt()))
    if (s.failed > 0u) Text(stringResource(R.string.import_preview_failed, s.failed.toInt()), color = MaterialTheme.colorScheme.error)
    Outcomes(s.entries.filter { it.outcome is ImportOutcome.Failed })
    s.notes.forEach { Text(it, style = MaterialTheme.typography.bodySmall) }
    if (step.canImport) {
        val n = s.wouldImport.toInt()
        val label = when {
            step.keepsGoodOnly -> stringResource(R.string.import_confirm_good_only, n)
            restore -> stringResource(R.string.restore_confirm, n)
            else -> stringResource(R.string.import_confirm, n)
        }
        Button(onClick = onConfirm, enabled = !busy, modifier = Modifier.fillMaxWidth()) { Text(label) }
    } else {
        Text(stringResource(R.string.import_nothing))
    }
}

/** Failed entries with the library's reason (one English line, never the secret). */
@Composable
private fun Outcomes(failed: List<app.nyckel.ImportEntry>) {
    failed.forEach { e ->
        val reason = (e.outcome as ImportOutcome.Failed).reason
        ListItem(headlineContent = { Text(e.label) }, supportingContent = { Text(reason) })
    }
}
