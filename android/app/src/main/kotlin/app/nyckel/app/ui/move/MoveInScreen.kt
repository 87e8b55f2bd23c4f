package app.nyckel.app.ui.move

import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
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
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.PhoneTransferImportFlow.MoveStatus
import app.nyckel.PhoneTransferImportFlow.Step
import app.nyckel.app.R
import app.nyckel.app.logic.BoundedRead
import app.nyckel.app.logic.Problem
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.add.QrCamera
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The new phone's "Flytta från gammal telefon": choose the package file, scan the old phone's
 * QR code (or type the whole key), type the 6-digit code, then each enrollment's outcome and
 * the accounts. Draws the library's PhoneTransferImportFlow.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun MoveInScreen(onBack: () -> Unit, onDone: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { MoveInViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val pickFile = rememberLauncherKeepingUnlocked(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri == null) return@rememberLauncherKeepingUnlocked
        scope.launch {
            val bytes = withContext(Dispatchers.IO) {
                runCatching { context.contentResolver.openInputStream(uri)?.use { BoundedRead.read(it) } }.getOrNull()
            }
            if (bytes != null) vm.choosePackage(bytes) else vm.fileNotRead()
        }
    }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.move_in_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            when (val step = ui.step) {
                Step.ChoosePackage -> {
                    Text(stringResource(R.string.move_in_intro))
                    Button(onClick = { pickFile.launch(arrayOf("*/*")) }, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.move_in_choose_file))
                    }
                    if (ui.fileNotRead) Text(problemText(Problem(Problem.Kind.FILE_NOT_READ)), color = MaterialTheme.colorScheme.error)
                }
                Step.Scanning -> {
                    Text(stringResource(R.string.move_in_scan))
                    Box(Modifier.fillMaxWidth().height(320.dp)) { QrCamera { texts -> texts.forEach(vm::scanned) } }
                    if (ui.notATransferCode) Text(stringResource(R.string.move_in_not_a_transfer_code), color = MaterialTheme.colorScheme.error)
                    TextButton(onClick = vm::typeKeyInstead) { Text(stringResource(R.string.move_in_type_key_instead)) }
                }
                Step.EnterCode -> {
                    var code by remember { mutableStateOf("") }
                    Text(stringResource(R.string.move_in_enter_code))
                    OutlinedTextField(
                        value = code,
                        onValueChange = { v -> code = v.filter { it.isDigit() }.take(6) },
                        label = { Text(stringResource(R.string.move_in_code)) },
                        singleLine = true,
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
                        modifier = Modifier.fillMaxWidth(),
                    )
                    Button(onClick = { vm.submitCode(code) }, enabled = code.length == 6, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.move_in_import))
                    }
                    TextButton(onClick = vm::scanAgain) { Text(stringResource(R.string.move_in_scan_again)) }
                }
                Step.TypingKey -> {
                    var key by remember { mutableStateOf("") }
                    Text(stringResource(R.string.move_in_type_key))
                    OutlinedTextField(
                        value = key,
                        onValueChange = { key = it.take(40) },
                        label = { Text(stringResource(R.string.move_in_key)) },
                        singleLine = true,
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password),
                        modifier = Modifier.fillMaxWidth(),
                    )
                    Button(onClick = { vm.submitKeyText(key) }, enabled = key.isNotBlank(), modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.move_in_import))
                    }
                    TextButton(onClick = vm::scanAgain) { Text(stringResource(R.string.move_in_scan_again)) }
                }
                Step.Importing -> {
                    LinearProgressIndicator(Modifier.fillMaxWidth())
                    Text(stringResource(R.string.move_in_importing))
                }
                is Step.Outcomes -> {
                    Text(
                        stringResource(if (step.allMoved) R.string.move_in_all_moved else R.string.move_in_some_not_moved),
                        style = MaterialTheme.typography.titleMedium,
                    )
                    step.rows.forEach { row ->
                        ListItem(
                            headlineContent = { Text(row.label) },
                            supportingContent = {
                                Column {
                                    Text(stringResource(statusText(row.status)))
                                    row.failure?.let { Text(problemText(Problem.of(it)), style = MaterialTheme.typography.bodySmall) }
                                    row.managedOtp?.let { m ->
                                        Text(stringResource(if (m.added) R.string.move_in_managed_added else R.string.move_in_managed_already_here, m.label))
                                    }
                                }
                            },
                        )
                    }
                    Text(stringResource(R.string.move_in_accounts, step.accountsImported, step.accountsDuplicate))
                    if (step.accountsFailed > 0) Text(stringResource(R.string.move_in_accounts_failed, step.accountsFailed), color = MaterialTheme.colorScheme.error)
                    Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
                }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}

private fun statusText(status: MoveStatus): Int = when (status) {
    MoveStatus.MOVED -> R.string.move_in_status_moved
    MoveStatus.PHONE_SIGNIN_OFF -> R.string.move_in_status_phone_signin_off
    MoveStatus.NOT_CONFIRMED -> R.string.move_in_status_not_confirmed
    MoveStatus.NOT_MOVED -> R.string.move_in_status_not_moved
}
