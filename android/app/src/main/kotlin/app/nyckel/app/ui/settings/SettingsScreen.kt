package app.nyckel.app.ui.settings

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.R
import app.nyckel.app.logic.AutoLockPolicy
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.PassphraseField
import app.nyckel.app.ui.common.problemText

@OptIn(ExperimentalMaterial3Api::class, androidx.compose.foundation.layout.ExperimentalLayoutApi::class)
@Composable
fun SettingsScreen(
    onBack: () -> Unit,
    onImport: () -> Unit,
    onBackup: () -> Unit,
    onAutoBackup: () -> Unit,
    onRestore: () -> Unit,
    onMoveOut: () -> Unit,
    onMoveIn: () -> Unit,
) {
    val graph = LocalGraph.current
    val vm = viewModel { SettingsViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.settings_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(stringResource(R.string.settings_lock_after), style = MaterialTheme.typography.titleMedium)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                AutoLockPolicy.CHOICES.forEach { seconds ->
                    FilterChip(
                        selected = ui.lockTimeoutSeconds == seconds,
                        onClick = { vm.setLockTimeout(seconds) },
                        label = {
                            Text(
                                when {
                                    seconds == 0L -> stringResource(R.string.settings_lock_immediately)
                                    seconds < 60 -> stringResource(R.string.settings_lock_seconds, seconds.toInt())
                                    else -> stringResource(R.string.settings_lock_minutes, (seconds / 60).toInt())
                                },
                            )
                        },
                    )
                }
            }
            HorizontalDivider()

            ui.biometricUnlock?.let { on ->
                ListItem(
                    headlineContent = { Text(stringResource(R.string.settings_biometric_unlock)) },
                    supportingContent = { Text(stringResource(R.string.settings_biometric_unlock_body)) },
                    trailingContent = {
                        Switch(
                            checked = on,
                            // Off only with a passphrase to fall back on (the library refuses otherwise, too).
                            enabled = !ui.busy && (!on || ui.recoveryPassphraseSet),
                            onCheckedChange = vm::setBiometricUnlock,
                        )
                    },
                )
            }

            Text(stringResource(R.string.settings_recovery_title), style = MaterialTheme.typography.titleMedium)
            Text(stringResource(R.string.settings_recovery_body))
            Text(
                stringResource(if (ui.recoveryPassphraseSet) R.string.settings_recovery_is_set else R.string.settings_recovery_not_set),
                style = MaterialTheme.typography.bodySmall,
            )
            if (ui.editingPassphrase) {
                PassphraseField(ui.passphrase, vm::onPassphrase, stringResource(R.string.passphrase), Modifier.fillMaxWidth())
                PassphraseField(ui.confirm, vm::onConfirm, stringResource(R.string.passphrase_confirm), Modifier.fillMaxWidth(), onDone = vm::savePassphrase)
                if (ui.confirm.isNotEmpty() && ui.confirm != ui.passphrase) {
                    Text(stringResource(R.string.passphrase_mismatch), color = MaterialTheme.colorScheme.error)
                }
                Button(onClick = vm::savePassphrase, enabled = ui.canSavePassphrase, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.save)) }
                OutlinedButton(onClick = { vm.editPassphrase(false) }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.cancel)) }
            } else {
                OutlinedButton(onClick = { vm.editPassphrase(true) }, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(if (ui.recoveryPassphraseSet) R.string.settings_recovery_change else R.string.settings_recovery_set))
                }
            }
            ui.message?.let { Text(stringResource(it), color = MaterialTheme.colorScheme.primary) }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
            HorizontalDivider()

            Text(stringResource(R.string.settings_transfer), style = MaterialTheme.typography.titleMedium)
            ListItem(
                headlineContent = { Text(stringResource(R.string.import_title)) },
                supportingContent = { Text(stringResource(R.string.import_body)) },
                modifier = Modifier.clickable(onClick = onImport),
            )
            ListItem(
                headlineContent = { Text(stringResource(R.string.backup_title)) },
                supportingContent = { Text(stringResource(R.string.backup_body)) },
                modifier = Modifier.clickable(onClick = onBackup),
            )
            val autoBackup = graph.settings.autoBackup
            val autoBackupFolder = autoBackup.folderName?.takeIf { autoBackup.sealedKey != null }
            ListItem(
                headlineContent = { Text(stringResource(R.string.auto_backup_title)) },
                supportingContent = {
                    Text(autoBackupFolder?.let { stringResource(R.string.auto_backup_body_on, it) } ?: stringResource(R.string.auto_backup_body_off))
                },
                modifier = Modifier.clickable(onClick = onAutoBackup),
            )
            ListItem(
                headlineContent = { Text(stringResource(R.string.restore_title)) },
                supportingContent = { Text(stringResource(R.string.restore_body)) },
                modifier = Modifier.clickable(onClick = onRestore),
            )
            ListItem(
                headlineContent = { Text(stringResource(R.string.move_out_title)) },
                supportingContent = { Text(stringResource(R.string.move_out_body)) },
                modifier = Modifier.clickable(onClick = onMoveOut),
            )
            ListItem(
                headlineContent = { Text(stringResource(R.string.move_in_title)) },
                supportingContent = { Text(stringResource(R.string.move_in_body)) },
                modifier = Modifier.clickable(onClick = onMoveIn),
            )
            HorizontalDivider()
            Text(stringResource(R.string.settings_version, ui.version), style = MaterialTheme.typography.bodySmall)
        }
    }
}
