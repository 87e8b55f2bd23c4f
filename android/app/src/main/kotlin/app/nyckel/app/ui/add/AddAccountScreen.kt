package app.nyckel.app.ui.add

import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Create
import androidx.compose.material.icons.filled.AccountBox
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
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
import androidx.compose.ui.unit.dp
import app.nyckel.app.R
import app.nyckel.app.logic.Problem
import app.nyckel.app.logic.ScannedCode
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked
import kotlinx.coroutines.launch

/** "Add account": scan a QR code, pick an image with one, or type the setup key. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun AddAccountScreen(onBack: () -> Unit, onScan: () -> Unit, onManual: () -> Unit, onScanned: (ScannedCode) -> Unit) {
    val graph = LocalGraph.current
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var problem by remember { mutableStateOf<Problem?>(null) }

    // The system photo picker: no storage permission, the app sees only the chosen image. It
    // sends the app to the background, which must not lock the vault meanwhile.
    val pickImage = rememberLauncherKeepingUnlocked(ActivityResultContracts.PickVisualMedia()) { uri ->
        if (uri == null) return@rememberLauncherKeepingUnlocked
        scope.launch {
            val texts = runCatching { QrScanning.decodeImage(context, uri) }.getOrDefault(emptyList())
            when (val code = ScannedCode.firstUsable(texts)) {
                null -> problem = Problem(Problem.Kind.NO_QR_FOUND)
                is ScannedCode.Otp, is ScannedCode.Enrollment -> {
                    graph.scanned.value = code
                    onScanned(code)
                }
                ScannedCode.GoogleMigration -> problem = Problem(Problem.Kind.GOOGLE_MIGRATION)
                ScannedCode.NotAnAccount -> problem = Problem(Problem.Kind.NOT_AN_ACCOUNT)
            }
        }
    }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.add_account)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(Modifier.fillMaxSize().padding(padding)) {
            ListItem(
                headlineContent = { Text(stringResource(R.string.add_scan)) },
                supportingContent = { Text(stringResource(R.string.add_scan_body)) },
                leadingContent = { Icon(Icons.Filled.Search, null) },
                modifier = Modifier.clickable(onClick = onScan),
            )
            ListItem(
                headlineContent = { Text(stringResource(R.string.add_image)) },
                supportingContent = { Text(stringResource(R.string.add_image_body)) },
                leadingContent = { Icon(Icons.Filled.AccountBox, null) },
                modifier = Modifier.clickable {
                    problem = null
                    pickImage.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
                },
            )
            ListItem(
                headlineContent = { Text(stringResource(R.string.add_manual)) },
                supportingContent = { Text(stringResource(R.string.add_manual_body)) },
                leadingContent = { Icon(Icons.Filled.Create, null) },
                modifier = Modifier.clickable(onClick = onManual),
            )
            problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp)) }
        }
    }
}
