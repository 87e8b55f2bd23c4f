package app.nyckel.app.ui.details

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Delete
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.OtpKind
import app.nyckel.app.R
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import java.text.DateFormat
import java.util.Date

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun AccountDetailsScreen(accountId: Long, onBack: () -> Unit, onShowQr: () -> Unit, onOpenEnrollment: (Long) -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel(key = "account-$accountId") { AccountDetailsViewModel(graph, accountId) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    LaunchedEffect(ui.deleted) { if (ui.deleted) onBack() }

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(stringResource(R.string.account_details)) },
                navigationIcon = { BackButton(onBack) },
                actions = { IconButton(onClick = { vm.askDelete(true) }) { Icon(Icons.Filled.Delete, stringResource(R.string.delete)) } },
            )
        },
    ) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            val a = ui.account
            if (a != null) {
                OutlinedTextField(ui.issuer, { vm.edit(issuer = it) }, label = { Text(stringResource(R.string.field_issuer)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
                OutlinedTextField(ui.name, { vm.edit(name = it) }, label = { Text(stringResource(R.string.field_account)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
                OutlinedTextField(ui.note, { vm.edit(note = it) }, label = { Text(stringResource(R.string.field_note)) }, modifier = Modifier.fillMaxWidth())
                Button(onClick = vm::save, enabled = ui.dirty && !ui.busy, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(if (ui.saved && !ui.dirty) R.string.saved else R.string.save))
                }
                HorizontalDivider()
                Text(
                    when (a.kind) {
                        OtpKind.TOTP -> stringResource(R.string.kind_totp, a.digits.toInt(), a.period.toInt())
                        OtpKind.HOTP -> stringResource(R.string.kind_hotp, a.digits.toInt())
                        OtpKind.STEAM -> stringResource(R.string.kind_steam)
                    } + " · " + a.algorithm.name,
                    style = MaterialTheme.typography.bodyMedium,
                )
                Text(
                    stringResource(R.string.added_on, DateFormat.getDateTimeInstance().format(Date(a.createdAt * 1000))),
                    style = MaterialTheme.typography.bodySmall,
                )
                ui.enrollmentId?.let { eid ->
                    OutlinedButton(onClick = { onOpenEnrollment(eid) }, modifier = Modifier.fillMaxWidth()) {
                        Text(stringResource(R.string.enrollment_settings))
                    }
                }
                OutlinedButton(onClick = onShowQr, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.export_show_qr)) }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }

    if (ui.confirmDelete) {
        AlertDialog(
            onDismissRequest = { vm.askDelete(false) },
            title = { Text(stringResource(R.string.delete_confirm_title)) },
            text = { Text(stringResource(R.string.delete_confirm_body, ui.account?.let { it.issuer.ifEmpty { it.name } }.orEmpty())) },
            confirmButton = { TextButton(onClick = vm::delete) { Text(stringResource(R.string.delete), color = MaterialTheme.colorScheme.error) } },
            dismissButton = { TextButton(onClick = { vm.askDelete(false) }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
