package app.nyckel.app.ui.onboarding

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.AppGraph
import app.nyckel.app.R
import app.nyckel.app.logic.FirstRunFlow
import app.nyckel.app.logic.FirstRunFlow.Step
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.settings.rememberBackupFolderChooser
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class FirstRunBackupUi(val step: Step?, val busy: Boolean = false)

/** The first run's backup offer: logic/FirstRunFlow (JVM-tested), its calls off the main thread. */
class FirstRunBackupViewModel(private val graph: AppGraph) : ViewModel() {
    private val flow: FirstRunFlow? = graph.firstRun.value
    private val _ui = MutableStateFlow(FirstRunBackupUi(flow?.step))
    val ui: StateFlow<FirstRunBackupUi> = _ui.asStateFlow()

    fun chooseFolder(tree: String, name: String) = perform { it.chooseFolder(tree, name) }
    fun replace() = perform { it.replace() }
    fun chooseAnother() = perform { it.chooseAnother() }
    fun skip() = perform { it.skipBackups() }

    private fun perform(action: (FirstRunFlow) -> Unit) {
        val f = flow ?: return
        if (_ui.value.busy) return
        _ui.value = _ui.value.copy(busy = true)
        viewModelScope.launch {
            // Turning on runs Argon2id once and writes the first backup.
            withContext(Dispatchers.IO) { action(f) }
            _ui.value = FirstRunBackupUi(f.step)
        }
    }
}

/**
 * The first run's offer of automatic encrypted backups (docs/recovery.md §5), after the recovery
 * code or passphrase (and after a chosen restore or move): choose a folder (sealed with the
 * secret just set), confirm replacing a Nyckel backup already there, or not now. Draws
 * logic/FirstRunFlow; [onDone] follows the first run once it is done.
 */
@Composable
fun FirstRunBackupScreen(onDone: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { FirstRunBackupViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val chooseFolder = rememberBackupFolderChooser(vm::chooseFolder)

    Scaffold { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(24.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Text(stringResource(R.string.first_run_backup_title), style = MaterialTheme.typography.headlineSmall)
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            Text(stringResource(R.string.first_run_backup_intro))
            when (val step = ui.step) {
                is Step.BackupOffer -> {
                    Button(onClick = { chooseFolder.launch(null) }, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.auto_backup_choose_folder))
                    }
                    step.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
                    TextButton(onClick = vm::skip, enabled = !ui.busy) { Text(stringResource(R.string.first_run_backup_later)) }
                }
                is Step.ConfirmReplace -> AlertDialog(
                    onDismissRequest = vm::chooseAnother,
                    title = { Text(stringResource(R.string.first_run_backup_replace_title)) },
                    text = { Text(stringResource(R.string.first_run_backup_replace_body)) },
                    confirmButton = { TextButton(onClick = vm::replace) { Text(stringResource(R.string.first_run_backup_replace)) } },
                    dismissButton = { TextButton(onClick = vm::chooseAnother) { Text(stringResource(R.string.first_run_backup_another)) } },
                )
                is Step.Done, null -> {
                    if (step is Step.Done && step.backupFolder != null) Text(stringResource(R.string.auto_backup_body_on, step.backupFolder))
                    Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
                }
                Step.Welcome, Step.Recovery, Step.Restoring, Step.MovingIn -> Button(onClick = onDone) { Text(stringResource(R.string.done)) }
            }
        }
    }
}
