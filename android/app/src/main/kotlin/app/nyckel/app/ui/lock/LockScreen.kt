package app.nyckel.app.ui.lock

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.R
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.PassphraseField
import app.nyckel.app.ui.common.problemText

@Composable
fun LockScreen(hasBiometricKey: Boolean) {
    val graph = LocalGraph.current
    val vm = viewModel { LockViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    LaunchedEffect(hasBiometricKey) { vm.autoUnlock(hasBiometricKey) }

    Scaffold { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(24.dp).verticalScroll(rememberScrollState()),
            horizontalAlignment = Alignment.CenterHorizontally,
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Spacer(Modifier.height(48.dp))
            Icon(Icons.Filled.Lock, contentDescription = null, modifier = Modifier.size(64.dp), tint = MaterialTheme.colorScheme.primary)
            Text(stringResource(R.string.lock_title), style = MaterialTheme.typography.headlineSmall)
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())

            if (ui.keyInvalidated) {
                Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer)) {
                    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                        Text(stringResource(R.string.lock_invalidated_title), style = MaterialTheme.typography.titleMedium)
                        Text(stringResource(R.string.lock_invalidated_body))
                        Text(
                            stringResource(if (ui.recoveryPassphraseSet) R.string.lock_invalidated_use_passphrase else R.string.lock_invalidated_no_passphrase),
                        )
                    }
                }
            } else if (hasBiometricKey) {
                Button(onClick = vm::unlockWithBiometrics, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.lock_unlock))
                }
            }

            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error, textAlign = TextAlign.Center) }

            // The passphrase: the only way in for a passphrase-only vault, and the recovery path.
            if (!hasBiometricKey || ui.keyInvalidated || ui.recoveryPassphraseSet) {
                PassphraseField(
                    value = ui.passphrase,
                    onValueChange = vm::onPassphrase,
                    label = stringResource(if (hasBiometricKey) R.string.lock_recovery_passphrase else R.string.passphrase),
                    modifier = Modifier.fillMaxWidth(),
                    onDone = vm::unlockWithPassphrase,
                )
                OutlinedButton(onClick = vm::unlockWithPassphrase, enabled = !ui.busy && ui.passphrase.isNotEmpty(), modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.lock_unlock_with_passphrase))
                }
            }

            if (ui.keyInvalidated) {
                TextButton(onClick = { vm.askReset(true) }) { Text(stringResource(R.string.lock_reset), color = MaterialTheme.colorScheme.error) }
            }
        }
    }

    if (ui.confirmReset) {
        AlertDialog(
            onDismissRequest = { vm.askReset(false) },
            title = { Text(stringResource(R.string.lock_reset_confirm_title)) },
            text = { Text(stringResource(R.string.lock_reset_confirm_body)) },
            confirmButton = { TextButton(onClick = vm::reset) { Text(stringResource(R.string.lock_reset), color = MaterialTheme.colorScheme.error) } },
            dismissButton = { TextButton(onClick = { vm.askReset(false) }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
