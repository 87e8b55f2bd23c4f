package app.nyckel.android

import android.os.Build
import android.os.Looper
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import app.nyckel.KeyProtectorException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import javax.crypto.Cipher

/**
 * Shows `BiometricPrompt` with the cipher as `CryptoObject` and blocks the calling (Rust,
 * background) thread until the user authenticated; returns the authorised cipher. This is
 * the biometric gate *inside* the key operation: [app.nyckel.AesGcmKeyProtector] only gets
 * a cipher the Keystore will run after this succeeded.
 *
 * Cancel / negative button → [KeyProtectorException.UserCancelled]; lockout, no hardware,
 * nothing enrolled → [KeyProtectorException.Unavailable].
 *
 * Compiled by the Gradle build only (Android APIs); not part of the JVM test harness.
 */
class BiometricCipherAuthorizer(
    private val activity: FragmentActivity,
    private val texts: Texts,
) : (Cipher) -> Cipher {

    data class Texts(val title: String, val subtitle: String? = null, val negativeButton: String? = null)

    override fun invoke(cipher: Cipher): Cipher {
        check(Looper.myLooper() != Looper.getMainLooper()) {
            "vault calls block on the biometric prompt: make them off the main thread"
        }
        val result = CompletableFuture<Cipher>()
        val executor = ContextCompat.getMainExecutor(activity)
        executor.execute {
            val prompt = BiometricPrompt(activity, executor, object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(r: BiometricPrompt.AuthenticationResult) {
                    result.complete(r.cryptoObject?.cipher ?: cipher)
                }

                override fun onAuthenticationError(code: Int, message: CharSequence) {
                    result.completeExceptionally(
                        when (code) {
                            BiometricPrompt.ERROR_USER_CANCELED,
                            BiometricPrompt.ERROR_NEGATIVE_BUTTON,
                            BiometricPrompt.ERROR_CANCELED,
                            -> KeyProtectorException.UserCancelled()
                            else -> KeyProtectorException.Unavailable("$code: $message")
                        },
                    )
                }
                // onAuthenticationFailed (a finger not recognised) keeps the prompt open.
            })
            val info = BiometricPrompt.PromptInfo.Builder()
                .setTitle(texts.title)
                .apply { texts.subtitle?.let(::setSubtitle) }
                .apply {
                    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                        setAllowedAuthenticators(BIOMETRIC_STRONG or DEVICE_CREDENTIAL)
                    } else {
                        setAllowedAuthenticators(BIOMETRIC_STRONG)
                        setNegativeButtonText(texts.negativeButton ?: "Cancel")
                    }
                }
                .build()
            prompt.authenticate(info, BiometricPrompt.CryptoObject(cipher))
        }
        return try {
            result.get()
        } catch (e: ExecutionException) {
            throw e.cause ?: e
        }
    }
}
