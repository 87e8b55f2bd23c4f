package app.nyckel.app.ui.settings

import android.content.Intent
import android.net.Uri
import android.provider.DocumentsContract
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
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.AutoBackup
import app.nyckel.app.AppGraph
import app.nyckel.app.R
import app.nyckel.app.logic.AutoBackupSettings
import app.nyckel.app.logic.Problem
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.PassphraseField
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.LauncherKeepingUnlocked
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class AutoBackupUi(
    val step: AutoBackupSettings.Step = AutoBackupSettings.Step.Off,
    /** The folder chosen on this screen (tree URI and name), before turning on. */
    val chosen: Pair<String, String>? = null,
    val secret: String = "",
    val problem: Problem? = null,
    val busy: Boolean = false,
)

/** Settings → "Automatisk säkerhetskopia": logic/AutoBackupSettings (JVM-tested) run off the main thread. */
class AutoBackupViewModel(private val graph: AppGraph) : ViewModel() {
    private val _ui = MutableStateFlow(AutoBackupUi())
    val ui: StateFlow<AutoBackupUi> = _ui.asStateFlow()

    init {
        perform { }
    }

    fun onSecret(v: String) = _ui.update { it.copy(secret = v) }
    fun onFolder(tree: String, name: String) = _ui.update { it.copy(chosen = tree to name) }

    fun turnOn() {
        val (tree, name) = _ui.value.chosen ?: return
        val secret = _ui.value.secret
        perform { it.turnOn(tree, name, secret) }
    }

    fun turnOff() = perform { it.turnOff() }

    private fun perform(action: (AutoBackupSettings) -> Unit) {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            val result = withContext(Dispatchers.IO) { runCatching { graph.autoBackup().also(action) } }
            _ui.update { ui ->
                result.fold(
                    onSuccess = { s -> ui.copy(step = s.step, problem = s.problem, busy = false, secret = if (s.problem == null) "" else ui.secret) },
                    onFailure = { e -> ui.copy(problem = Problem.of(e).takeUnless(Problem::isSilent), busy = false) },
                )
            }
        }
    }
}

/**
 * Settings → "Automatisk säkerhetskopia": choose a folder (`OpenDocumentTree`, its permission
 * kept with `takePersistableUriPermission`), type the recovery passphrase or code, turn on;
 * shows the last backup's outcome; turn off.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun AutoBackupScreen(onBack: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { AutoBackupViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val chooseFolder = rememberBackupFolderChooser(vm::onFolder)

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.auto_backup_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            Text(stringResource(R.string.auto_backup_intro))
            when (val step = ui.step) {
                is AutoBackupSettings.Step.On -> {
                    Text(stringResource(R.string.auto_backup_body_on, step.folderName), style = MaterialTheme.typography.titleMedium)
                    when (val last = step.last) {
                        is AutoBackup.Outcome.Written -> Text(stringResource(R.string.auto_backup_written, last.accounts))
                        is AutoBackup.Outcome.NotWritten -> Text(stringResource(R.string.auto_backup_not_written), color = MaterialTheme.colorScheme.error)
                        is AutoBackup.Outcome.Refused -> Text(stringResource(R.string.auto_backup_refused), color = MaterialTheme.colorScheme.error)
                        AutoBackup.Outcome.Off, AutoBackup.Outcome.UpToDate, null -> Unit
                    }
                    OutlinedButton(onClick = vm::turnOff, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.auto_backup_turn_off))
                    }
                    Text(stringResource(R.string.auto_backup_off_note), style = MaterialTheme.typography.bodySmall)
                }
                AutoBackupSettings.Step.Off -> {
                    OutlinedButton(onClick = { chooseFolder.launch(null) }, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.auto_backup_choose_folder))
                    }
                    ui.chosen?.let { (_, name) -> Text(stringResource(R.string.auto_backup_folder, name)) }
                    PassphraseField(ui.secret, vm::onSecret, stringResource(R.string.auto_backup_secret), Modifier.fillMaxWidth(), onDone = vm::turnOn)
                    Button(onClick = vm::turnOn, enabled = !ui.busy && ui.chosen != null && ui.secret.isNotBlank(), modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.auto_backup_turn_on))
                    }
                }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}

/**
 * The system's folder picker (`OpenDocumentTree`) for automatic backups: the permission is kept
 * (`takePersistableUriPermission`) and [onChosen] gets the tree URI and the folder's name.
 * Launch with `null`. Used by Settings and by the first run's backup offer.
 */
@Composable
fun rememberBackupFolderChooser(onChosen: (tree: String, name: String) -> Unit): LauncherKeepingUnlocked<Uri?> {
    val resolver = LocalContext.current.contentResolver
    return rememberLauncherKeepingUnlocked(ActivityResultContracts.OpenDocumentTree()) { tree: Uri? ->
        if (tree == null) return@rememberLauncherKeepingUnlocked
        val flags = Intent.FLAG_GRANT_READ_URI_PERMISSION or Intent.FLAG_GRANT_WRITE_URI_PERMISSION
        runCatching { resolver.takePersistableUriPermission(tree, flags) }
        val name = runCatching {
            val doc = DocumentsContract.buildDocumentUriUsingTree(tree, DocumentsContract.getTreeDocumentId(tree))
            resolver.query(doc, arrayOf(DocumentsContract.Document.COLUMN_DISPLAY_NAME), null, null, null)
                ?.use { c -> if (c.moveToFirst()) c.getString(0) else null }
        }.getOrNull() ?: tree.lastPathSegment.orEmpty()
        onChosen(tree.toString(), name)
    }
}
