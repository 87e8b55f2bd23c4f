package app.nyckel.app.ui.onboarding

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.R
import app.nyckel.app.logic.FirstRunFlow
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.PassphraseField
import app.nyckel.app.ui.common.problemText

@Composable
fun CreateVaultScreen() {
    val graph = LocalGraph.current
    val vm = viewModel { CreateVaultViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()

    Scaffold { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(24.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Text(stringResource(R.string.welcome_title), style = MaterialTheme.typography.headlineMedium)
            Text(stringResource(R.string.welcome_body))
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            if (!ui.usePassphrase) {
                Text(stringResource(R.string.welcome_biometrics_body))
                Button(onClick = vm::createWithBiometrics, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.welcome_create_biometrics))
                }
                TextButton(onClick = { vm.usePassphrase(true) }) { Text(stringResource(R.string.welcome_use_passphrase)) }
            } else {
                if (!ui.biometricsAvailable) Text(stringResource(R.string.welcome_no_biometrics))
                Text(stringResource(R.string.welcome_passphrase_body))
                PassphraseField(ui.passphrase, vm::onPassphrase, stringResource(R.string.passphrase), Modifier.fillMaxWidth())
                PassphraseField(ui.confirm, vm::onConfirm, stringResource(R.string.passphrase_confirm), Modifier.fillMaxWidth(), onDone = vm::createWithPassphrase)
                if (ui.passphraseMismatch) Text(stringResource(R.string.passphrase_mismatch), color = MaterialTheme.colorScheme.error)
                Text(stringResource(R.string.passphrase_min_length, CreateVaultUi.MIN_PASSPHRASE), style = MaterialTheme.typography.bodySmall)
                Button(onClick = vm::createWithPassphrase, enabled = ui.canCreateWithPassphrase, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.welcome_create_passphrase))
                }
                if (ui.biometricsAvailable) TextButton(onClick = { vm.usePassphrase(false) }) { Text(stringResource(R.string.welcome_use_biometrics)) }
            }
            // The first-run choice of a new phone (logic/FirstRunFlow): the vault is created as
            // above, then the recovery step, then the restore or move (MainNavigation follows it).
            val restore = ui.intent == FirstRunFlow.Intent.RESTORE
            val moveIn = ui.intent == FirstRunFlow.Intent.MOVE_IN
            Row(verticalAlignment = Alignment.CenterVertically) {
                Checkbox(checked = restore, onCheckedChange = { vm.choose(if (it) FirstRunFlow.Intent.RESTORE else FirstRunFlow.Intent.FRESH) })
                Text(stringResource(R.string.welcome_restore))
            }
            if (restore) Text(stringResource(R.string.welcome_restore_body), style = MaterialTheme.typography.bodySmall)
            Row(verticalAlignment = Alignment.CenterVertically) {
                Checkbox(checked = moveIn, onCheckedChange = { vm.choose(if (it) FirstRunFlow.Intent.MOVE_IN else FirstRunFlow.Intent.FRESH) })
                Text(stringResource(R.string.welcome_move_in))
            }
            if (moveIn) Text(stringResource(R.string.welcome_move_in_body), style = MaterialTheme.typography.bodySmall)
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}
