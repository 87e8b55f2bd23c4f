package app.nyckel.app.security

import androidx.biometric.BiometricPrompt

/**
 * One biometric prompt a worker thread needs: the Keystore operation to authorise
 * ([crypto]: the vault-key Cipher or a phone-sign-in Signature) and what to tell the user.
 */
class BiometricAsk(
    val crypto: BiometricPrompt.CryptoObject,
    val title: String,
    val subtitle: String?,
    val negativeButton: String,
    /** Device PIN/pattern allowed besides strong biometrics (API 30+, per-operation keys). */
    val allowDeviceCredential: Boolean,
)
