package app.nyckel.app.ui.add

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
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

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun AddPreviewScreen(onBack: () -> Unit, onAdded: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { AddPreviewViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    LaunchedEffect(ui.added) { if (ui.added) onAdded() }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.preview_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            ui.preview?.let { p ->
                val info = p.info
                ListItem(headlineContent = { Text(info.issuer.ifEmpty { "—" }) }, overlineContent = { Text(stringResource(R.string.field_issuer)) })
                ListItem(headlineContent = { Text(info.name.ifEmpty { "—" }) }, overlineContent = { Text(stringResource(R.string.field_account)) })
                ListItem(
                    headlineContent = {
                        Text(
                            when (info.kind) {
                                OtpKind.TOTP -> stringResource(R.string.kind_totp, info.digits.toInt(), info.period.toInt())
                                OtpKind.HOTP -> stringResource(R.string.kind_hotp, info.digits.toInt())
                                OtpKind.STEAM -> stringResource(R.string.kind_steam)
                            } + " · " + info.algorithm.name,
                        )
                    },
                    overlineContent = { Text(stringResource(R.string.field_type)) },
                )
                if (p.warnings.isNotEmpty()) {
                    Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.tertiaryContainer)) {
                        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                            Icon(Icons.Filled.Warning, contentDescription = null)
                            Text(stringResource(R.string.preview_warnings), style = MaterialTheme.typography.titleSmall)
                            // The parser's warnings are English one-liners; shown as they are.
                            p.warnings.forEach { Text("• $it") }
                        }
                    }
                }
                Button(onClick = vm::add, enabled = !ui.busy && ui.existingId == null, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.add_account))
                }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}
