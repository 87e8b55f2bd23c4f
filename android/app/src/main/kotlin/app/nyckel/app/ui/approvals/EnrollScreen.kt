package app.nyckel.app.ui.approvals

import android.Manifest
import android.os.Build
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
import androidx.compose.material3.OutlinedTextField
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
import app.nyckel.app.R
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun EnrollScreen(onBack: () -> Unit, onEnrolled: (Long) -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { EnrollViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    // Sign-in notifications need POST_NOTIFICATIONS on Android 13+; asked here, where it makes sense.
    val notifications = rememberLauncherKeepingUnlocked(ActivityResultContracts.RequestPermission()) { }
    LaunchedEffect(Unit) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) notifications.launch(Manifest.permission.POST_NOTIFICATIONS)
    }
    LaunchedEffect(ui.enrolled) { ui.enrolled?.let { onEnrolled(it.id) } }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.enroll_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(stringResource(R.string.enroll_body))
            OutlinedTextField(
                value = ui.deviceName,
                onValueChange = vm::onDeviceName,
                label = { Text(stringResource(R.string.enroll_device_name)) },
                supportingText = { Text(stringResource(R.string.enroll_device_name_help)) },
                singleLine = true,
                modifier = Modifier.fillMaxWidth(),
            )
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            Button(onClick = vm::enroll, enabled = ui.hasCode && !ui.busy, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.enroll_button))
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}
