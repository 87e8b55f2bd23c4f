package app.nyckel.app.security

import android.content.Context
import androidx.biometric.BiometricPrompt
import app.nyckel.AesGcmKeyProtector
import app.nyckel.KeyProtectorException
import app.nyckel.VaultKeyProtector
import app.nyckel.android.KeystoreVaultKey
import app.nyckel.app.R
import app.nyckel.app.logic.PromptBridge
import javax.crypto.Cipher

/**
 * The vault-key protector: the library's [AesGcmKeyProtector] over the library's
 * [KeystoreVaultKey] (AES-256-GCM, `setUserAuthenticationRequired(true)`, per-operation
 * auth, `setInvalidatedByBiometricEnrollment(true)`, StrongBox when present), with the
 * cipher authorised by BiometricPrompt through the app's [PromptBridge].
 *
 * (The library also offers `KeystoreVaultKey.protector(activity, …)`, which holds one
 * Activity and waits without a timeout; the app routes the prompt through its bridge instead
 * so a worker never waits on a destroyed Activity and the prompt has a timeout.)
 */
object VaultProtectors {
    /** Long enough for a user fumbling with a finger; BiometricPrompt times out the sensor itself. */
    private const val TIMEOUT_MILLIS = 5 * 60_000L

    fun create(context: Context, bridge: PromptBridge<BiometricAsk, BiometricPrompt.CryptoObject>): VaultKeyProtector =
        AesGcmKeyProtector(
            key = { KeystoreVaultKey.getOrCreate() },
            authorize = { cipher -> authorize(context, bridge, cipher) },
        )

    private fun authorize(
        context: Context,
        bridge: PromptBridge<BiometricAsk, BiometricPrompt.CryptoObject>,
        cipher: Cipher,
    ): Cipher {
        val ask = BiometricAsk(
            crypto = BiometricPrompt.CryptoObject(cipher),
            title = context.getString(R.string.biometric_unlock_title),
            subtitle = context.getString(R.string.biometric_unlock_subtitle),
            negativeButton = context.getString(R.string.cancel),
            allowDeviceCredential = true,
        )
        return when (val r = bridge.request(ask, TIMEOUT_MILLIS)) {
            is PromptBridge.Result.Success -> r.value.cipher ?: cipher
            PromptBridge.Result.Cancelled, PromptBridge.Result.TimedOut -> throw KeyProtectorException.UserCancelled()
            PromptBridge.Result.NoHost -> throw KeyProtectorException.Unavailable("Nyckel is not on screen")
            is PromptBridge.Result.Failed -> throw KeyProtectorException.Unavailable(r.reason)
        }
    }
}
