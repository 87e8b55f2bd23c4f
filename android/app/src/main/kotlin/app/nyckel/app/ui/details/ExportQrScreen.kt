package app.nyckel.app.ui.details

import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
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
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleStartEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.R
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText

/** The account's QR code, secret included. The window is FLAG_SECURE (no screenshots). */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ExportQrScreen(accountId: Long, onBack: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel(key = "export-$accountId") { ExportQrViewModel(graph, accountId) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    // Leaving the app hides the code; coming back needs another tap (and another log entry).
    LifecycleStartEffect(vm) { onStopOrDispose { vm.hide() } }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.export_show_qr)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer)) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Icon(Icons.Filled.Warning, contentDescription = null)
                    Text(stringResource(R.string.export_warning_title), style = MaterialTheme.typography.titleMedium)
                    Text(stringResource(R.string.export_warning_body))
                }
            }
            val qr = ui.qr
            if (qr == null) {
                Button(onClick = vm::show, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.export_reveal)) }
            } else {
                Image(
                    bitmap = qr.asImageBitmap(),
                    contentDescription = stringResource(R.string.export_qr_description),
                    filterQuality = FilterQuality.None,
                    modifier = Modifier.fillMaxWidth().aspectRatio(1f),
                )
                Button(onClick = vm::hide, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.export_hide)) }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}
