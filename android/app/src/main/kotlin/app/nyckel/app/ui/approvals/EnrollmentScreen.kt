package app.nyckel.app.ui.approvals

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Switch
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
import app.nyckel.app.R
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import java.text.DateFormat
import java.util.Date

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun EnrollmentScreen(enrollmentId: Long, onBack: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel(key = "enrollment-$enrollmentId") { EnrollmentViewModel(graph, enrollmentId) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    LaunchedEffect(ui.removed) { if (ui.removed) onBack() }

    Scaffold(topBar = { TopAppBar(title = { Text(ui.info?.issuer ?: "") }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            ui.info?.let { e ->
                ListItem(headlineContent = { Text(e.accountName) }, overlineContent = { Text(stringResource(R.string.field_account)) })
                ListItem(headlineContent = { Text(e.providerUrl) }, overlineContent = { Text(stringResource(R.string.enrollment_provider)) })
                ListItem(
                    headlineContent = { Text(e.deviceName) },
                    overlineContent = { Text(stringResource(R.string.enroll_device_name)) },
                    supportingContent = { Text(stringResource(R.string.enrollment_since, DateFormat.getDateInstance().format(Date(e.enrolledAt * 1000)))) },
                )
                HorizontalDivider()
                ListItem(
                    headlineContent = { Text(stringResource(R.string.phone_signin_toggle)) },
                    supportingContent = { Text(stringResource(R.string.phone_signin_body)) },
                    trailingContent = { Switch(checked = e.phoneSigninEnabled, enabled = !ui.busy, onCheckedChange = vm::setPhoneSignin) },
                )
                HorizontalDivider()
                OutlinedButton(onClick = { vm.askRemove(true) }, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.enrollment_remove), color = MaterialTheme.colorScheme.error)
                }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }

    if (ui.confirmRemove) {
        AlertDialog(
            onDismissRequest = { vm.askRemove(false) },
            title = { Text(stringResource(R.string.enrollment_remove_title)) },
            text = { Text(stringResource(R.string.enrollment_remove_body)) },
            confirmButton = { TextButton(onClick = vm::remove) { Text(stringResource(R.string.enrollment_remove), color = MaterialTheme.colorScheme.error) } },
            dismissButton = { TextButton(onClick = { vm.askRemove(false) }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
