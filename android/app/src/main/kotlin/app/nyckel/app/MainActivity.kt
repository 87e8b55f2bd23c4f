package app.nyckel.app

import android.content.Intent
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.runtime.CompositionLocalProvider
import androidx.fragment.app.FragmentActivity
import app.nyckel.app.logic.ScannedCode
import app.nyckel.app.security.BiometricHost
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.NyckelApp
import app.nyckel.app.ui.theme.NyckelTheme

/**
 * The only Activity. A `FragmentActivity` because BiometricPrompt needs one.
 *
 * - FLAG_SECURE: no screenshots, no screen recording, and a blank app-switcher thumbnail, on
 *   every window (Compose dialogs and popups inherit it: `SecureFlagPolicy.Inherit`).
 * - Attaches itself as the [BiometricHost] for worker threads waiting inside Nyckel calls.
 * - Routes notification taps (`requestId`) and `otpauth://` / `nyckel-enroll://` links.
 */
class MainActivity : FragmentActivity() {
    private val graph get() = (application as NyckelApplication).graph
    private lateinit var biometricHost: BiometricHost

    override fun onCreate(savedInstanceState: Bundle?) {
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        super.onCreate(savedInstanceState)
        if (android.os.Build.VERSION.SDK_INT >= android.os.Build.VERSION_CODES.TIRAMISU) {
            setRecentsScreenshotEnabled(false)
        }
        enableEdgeToEdge()
        biometricHost = BiometricHost(this)
        graph.biometrics.attach(biometricHost)
        if (savedInstanceState == null) route(intent)
        setContent {
            CompositionLocalProvider(LocalGraph provides graph) {
                NyckelTheme { NyckelApp() }
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        route(intent)
    }

    override fun onDestroy() {
        graph.biometrics.detach(biometricHost)
        super.onDestroy()
    }

    private fun route(intent: Intent?) {
        intent ?: return
        when (intent.action) {
            ACTION_APPROVE -> intent.getStringExtra(EXTRA_REQUEST_ID)?.let { graph.pendingRequestId.value = it }
            Intent.ACTION_VIEW -> intent.dataString?.let { link ->
                val code = ScannedCode.classify(link)
                if (code is ScannedCode.Otp || code is ScannedCode.Enrollment) graph.incomingLink.value = code
            }
        }
        // The link holds a secret: do not keep it in the intent the system may redeliver.
        intent.data = null
    }

    companion object {
        const val ACTION_APPROVE = "app.nyckel.action.APPROVE"
        const val EXTRA_REQUEST_ID = "requestId"
    }
}
