package app.nyckel.app.security

import android.os.Build
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.Lifecycle
import app.nyckel.app.logic.PromptBridge

/**
 * The Activity's side of the [PromptBridge]: shows `BiometricPrompt` with the `CryptoObject`
 * a blocked worker thread handed over, and completes the prompt with the authorised object.
 * Attached in `onCreate`, detached in `onDestroy` (which cancels a prompt on screen).
 *
 * The prompt's result is the only way the worker gets an authorised Cipher/Signature: there
 * is no "authenticated" boolean anywhere.
 */
class BiometricHost(private val activity: FragmentActivity) : PromptBridge.Host<BiometricAsk, BiometricPrompt.CryptoObject> {

    override fun show(prompt: PromptBridge.Prompt<BiometricAsk, BiometricPrompt.CryptoObject>) {
        val main = ContextCompat.getMainExecutor(activity)
        main.execute {
            if (prompt.isDone) return@execute
            // BiometricPrompt silently does nothing after onSaveInstanceState: fail instead of hanging.
            if (!activity.lifecycle.currentState.isAtLeast(Lifecycle.State.STARTED)) {
                prompt.fail("Nyckel is not in the foreground")
                return@execute
            }
            val ask = prompt.payload
            val biometricPrompt = BiometricPrompt(activity, main, object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
                    prompt.succeed(result.cryptoObject ?: ask.crypto)
                }

                override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
                    when (errorCode) {
                        BiometricPrompt.ERROR_USER_CANCELED,
                        BiometricPrompt.ERROR_NEGATIVE_BUTTON,
                        BiometricPrompt.ERROR_CANCELED,
                        BiometricPrompt.ERROR_TIMEOUT,
                        -> prompt.cancel()
                        else -> prompt.fail("$errorCode: $errString")
                    }
                }
                // onAuthenticationFailed (finger not recognised): the prompt stays up.
            })
            prompt.onAbandon { main.execute { biometricPrompt.cancelAuthentication() } }
            val info = BiometricPrompt.PromptInfo.Builder()
                .setTitle(ask.title)
                .apply { ask.subtitle?.let(::setSubtitle) }
                .setConfirmationRequired(false)
                .apply {
                    if (ask.allowDeviceCredential && Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                        setAllowedAuthenticators(BIOMETRIC_STRONG or DEVICE_CREDENTIAL)
                    } else {
                        // Below API 30 a CryptoObject cannot be authorised with the device credential.
                        setAllowedAuthenticators(BIOMETRIC_STRONG)
                        setNegativeButtonText(ask.negativeButton)
                    }
                }
                .build()
            try {
                biometricPrompt.authenticate(info, ask.crypto)
            } catch (e: RuntimeException) {
                prompt.fail("BiometricPrompt: ${e.javaClass.simpleName}")
            }
        }
    }
}
