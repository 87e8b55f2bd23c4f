package app.nyckel.app.ui.add

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.ImageAnalysis
import androidx.camera.mlkit.vision.MlKitAnalyzer
import androidx.camera.view.CameraController
import androidx.camera.view.LifecycleCameraController
import androidx.camera.view.PreviewView
import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import app.nyckel.app.R
import app.nyckel.app.logic.Problem
import app.nyckel.app.logic.ScannedCode
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked
import com.google.mlkit.vision.barcode.BarcodeScanning
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Camera QR scanner: CameraX `LifecycleCameraController` + ML Kit through `MlKitAnalyzer`.
 * Recognises `otpauth://` (accounts) and `nyckel-enroll://` (sign-in approvals) alike; the
 * first usable code stops scanning and goes to its preview. Frames are analysed in memory
 * only; nothing is saved.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ScanScreen(onBack: () -> Unit, onScanned: (ScannedCode) -> Unit) {
    val context = LocalContext.current
    var granted by remember {
        mutableStateOf(ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED)
    }
    var asked by remember { mutableStateOf(false) }
    val request = rememberLauncherKeepingUnlocked(ActivityResultContracts.RequestPermission()) { granted = it; asked = true }
    LaunchedEffect(Unit) { if (!granted) request.launch(Manifest.permission.CAMERA) }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.add_scan)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Box(Modifier.fillMaxSize().padding(padding)) {
            if (granted) {
                CameraPreview(onScanned)
            } else if (asked) {
                Column(Modifier.padding(24.dp), verticalArrangement = Arrangement.spacedBy(16.dp)) {
                    Text(stringResource(R.string.scan_permission_denied))
                    Button(onClick = { request.launch(Manifest.permission.CAMERA) }) { Text(stringResource(R.string.scan_allow_camera)) }
                }
            }
        }
    }
}

@Composable
private fun CameraPreview(onScanned: (ScannedCode) -> Unit) {
    val graph = LocalGraph.current
    var hint by remember { mutableStateOf<Problem?>(null) }
    val done = remember { AtomicBoolean(false) }

    Box(Modifier.fillMaxSize()) {
        QrCamera { texts ->
            if (done.get()) return@QrCamera
            when (val code = ScannedCode.firstUsable(texts)) {
                null -> Unit
                is ScannedCode.Otp, is ScannedCode.Enrollment -> if (done.compareAndSet(false, true)) {
                    graph.scanned.value = code
                    onScanned(code)
                }
                ScannedCode.GoogleMigration -> hint = Problem(Problem.Kind.GOOGLE_MIGRATION)
                ScannedCode.NotAnAccount -> hint = Problem(Problem.Kind.NOT_AN_ACCOUNT)
            }
        }
        Column(
            Modifier.align(Alignment.BottomCenter).fillMaxWidth().background(Color(0x99000000)).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(4.dp),
        ) {
            Text(stringResource(R.string.scan_hint), color = Color.White, style = MaterialTheme.typography.bodyLarge)
            hint?.let { Text(problemText(it), color = Color(0xFFFFB4AB)) }
        }
    }
}

/**
 * The camera with ML Kit's QR scanner: [onTexts] gets the texts of the QR codes of each
 * analysed frame (on the main thread; often empty). Frames are analysed in memory only.
 * Also used by the import screen to collect Google Authenticator transfer codes.
 */
@Composable
fun QrCamera(modifier: Modifier = Modifier, onTexts: (List<String>) -> Unit) {
    val context = LocalContext.current
    val lifecycleOwner = LocalLifecycleOwner.current
    val controller = remember {
        LifecycleCameraController(context).apply {
            setEnabledUseCases(CameraController.IMAGE_ANALYSIS)
            imageAnalysisBackpressureStrategy = ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST
        }
    }
    DisposableEffect(lifecycleOwner) {
        val scanner = BarcodeScanning.getClient(QrScanning.options)
        val main = ContextCompat.getMainExecutor(context)
        controller.setImageAnalysisAnalyzer(
            main,
            MlKitAnalyzer(listOf(scanner), ImageAnalysis.COORDINATE_SYSTEM_VIEW_REFERENCED, main) { result ->
                onTexts(result.getValue(scanner).orEmpty().mapNotNull { it.rawValue })
            },
        )
        controller.bindToLifecycle(lifecycleOwner)
        onDispose {
            controller.clearImageAnalysisAnalyzer()
            controller.unbind()
            scanner.close()
        }
    }
    Box(modifier.fillMaxSize()) {
        AndroidView(
            factory = { ctx -> PreviewView(ctx).apply { this.controller = controller } },
            modifier = Modifier.fillMaxSize(),
        )
        Box(
            Modifier.align(Alignment.Center).size(240.dp).border(3.dp, Color.White, RoundedCornerShape(16.dp)),
        )
    }
}
