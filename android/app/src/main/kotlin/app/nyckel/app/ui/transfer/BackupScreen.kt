package app.nyckel.app.ui.transfer

import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.R
import app.nyckel.app.logic.BackupFlow
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.PassphraseField
import app.nyckel.app.ui.common.leftOutText
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * "Säkerhetskopiera": what the backup holds and what must be enrolled again on a new phone,
 * a password typed twice, then the system's "save as" (Storage Access Framework) for the
 * sealed file. Draws logic/BackupFlow's steps.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun BackupScreen(onBack: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { BackupViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val saveAs = rememberLauncherKeepingUnlocked(ActivityResultContracts.CreateDocument(BackupFlow.MIME_TYPE)) { uri ->
        val save = ui.step as? BackupFlow.Step.Save
        if (uri == null || save == null) return@rememberLauncherKeepingUnlocked vm.saveResult(null)
        scope.launch {
            val ok = withContext(Dispatchers.IO) {
                runCatching { context.contentResolver.openOutputStream(uri, "wt")?.use { it.write(save.backup.bytes) } != null }.getOrDefault(false)
            }
            vm.saveResult(ok)
        }
    }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.backup_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            when (val step = ui.step) {
                BackupFlow.Step.Loading -> Unit
                is BackupFlow.Step.Ready -> {
                    Text(stringResource(R.string.backup_intro))
                    Text(stringResource(R.string.backup_accounts, step.plan.accounts.size), style = MaterialTheme.typography.titleMedium)
                    if (step.plan.leftOut.isNotEmpty()) {
                        Text(stringResource(R.string.backup_left_out_title), style = MaterialTheme.typography.titleSmall)
                        step.plan.leftOut.forEach { ListItem(headlineContent = { Text(it.label) }, supportingContent = { Text(leftOutText(it.cause)) }) }
                    }
                    PassphraseField(ui.password, vm::onPassword, stringResource(R.string.backup_password), Modifier.fillMaxWidth())
                    PassphraseField(ui.confirm, vm::onConfirm, stringResource(R.string.backup_password_confirm), Modifier.fillMaxWidth(), onDone = vm::create)
                    when (ui.passwordProblem) {
                        BackupFlow.PasswordProblem.TOO_SHORT -> Text(stringResource(R.string.backup_password_too_short, BackupFlow.MIN_PASSWORD), style = MaterialTheme.typography.bodySmall)
                        BackupFlow.PasswordProblem.MISMATCH -> if (ui.confirm.isNotEmpty()) Text(stringResource(R.string.backup_password_mismatch), color = MaterialTheme.colorScheme.error)
                        null -> Unit
                    }
                    Button(onClick = vm::create, enabled = !ui.busy && ui.passwordProblem == null, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.backup_create))
                    }
                }
                is BackupFlow.Step.Save -> Button(onClick = { saveAs.launch(step.fileName) }, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.backup_save))
                }
                is BackupFlow.Step.Done -> {
                    Text(stringResource(R.string.backup_done, step.accounts), style = MaterialTheme.typography.titleMedium)
                    Button(onClick = onBack, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
                }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}
