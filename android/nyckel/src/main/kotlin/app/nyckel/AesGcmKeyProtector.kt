package app.nyckel

import java.nio.ByteBuffer
import java.security.GeneralSecurityException
import java.security.InvalidKeyException
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * A [VaultKeyProtector] that wraps the vault key with AES-256-GCM under a platform key.
 *
 * Plain `javax.crypto`, so it runs on the JVM (the tests use a software key) and on Android,
 * where the app passes an AndroidKeyStore key created with
 * `setUserAuthenticationRequired(true)` (and `setInvalidatedByBiometricEnrollment(true)`),
 * and an [authorize] that shows `BiometricPrompt` with `CryptoObject(cipher)` and blocks
 * until the user authenticated. The biometric gate is therefore *inside* the key
 * operation: without the user, the Keystore refuses `doFinal`, so no code path can unwrap
 * the vault key without the prompt.
 *
 * Rust calls [wrap]/[unwrap] on the thread that called into the vault (never the main
 * thread: all vault calls are blocking), with no vault lock held, so [authorize] may block.
 *
 * Errors: [authorize] throws [KeyProtectorException.UserCancelled] when the user dismisses
 * the prompt; an [InvalidKeyException] from `Cipher.init` (Android's
 * `KeyPermanentlyInvalidatedException` is one) becomes [KeyProtectorException.KeyInvalidated]
 * (except `UserNotAuthenticatedException`: [KeyProtectorException.Unavailable]), and so does
 * a wrapped key that does not authenticate under the current key (the key was replaced).
 *
 * Wrapped format: `0x01 | 12-byte IV | ciphertext+tag`; the IV comes from the cipher (the
 * Keystore insists on generating it).
 */
open class AesGcmKeyProtector(
    private val key: () -> SecretKey,
    private val authorize: (Cipher) -> Cipher = { it },
) : VaultKeyProtector {

    override fun wrap(vaultKey: ByteArray): ByteArray = guarded {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        initOrInvalidated { cipher.init(Cipher.ENCRYPT_MODE, key()) }
        val ready = authorize(cipher)
        val iv = ready.iv ?: throw KeyProtectorException.Failed("cipher produced no IV")
        if (iv.size != IV_BYTES) throw KeyProtectorException.Failed("unexpected IV length ${iv.size}")
        val sealed = ready.doFinal(vaultKey)
        ByteBuffer.allocate(1 + IV_BYTES + sealed.size).put(FORMAT).put(iv).put(sealed).array()
    }

    override fun unwrap(wrappedKey: ByteArray): ByteArray = guarded {
        if (wrappedKey.size < 1 + IV_BYTES + TAG_BYTES || wrappedKey[0] != FORMAT) {
            throw KeyProtectorException.Failed("wrapped key has an unknown format")
        }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        val spec = GCMParameterSpec(TAG_BYTES * 8, wrappedKey, 1, IV_BYTES)
        initOrInvalidated { cipher.init(Cipher.DECRYPT_MODE, key(), spec) }
        val ready = authorize(cipher)
        try {
            ready.doFinal(wrappedKey, 1 + IV_BYTES, wrappedKey.size - 1 - IV_BYTES)
        } catch (e: AEADBadTagException) {
            // Another key than the one that wrapped it (the platform key was replaced).
            throw KeyProtectorException.KeyInvalidated()
        }
    }

    private inline fun initOrInvalidated(init: () -> Unit) {
        try {
            init()
        } catch (e: InvalidKeyException) {
            // Android's UserNotAuthenticatedException is an InvalidKeyException too, but only
            // means "authenticate first" (time-bound keys), not that the key is gone.
            if (e.javaClass.simpleName == "UserNotAuthenticatedException") {
                throw KeyProtectorException.Unavailable("the user has not authenticated recently")
            }
            throw KeyProtectorException.KeyInvalidated()
        }
    }

    /** Anything that is not already a [KeyProtectorException] becomes `Failed` (no key bytes in it). */
    private inline fun guarded(op: () -> ByteArray): ByteArray =
        try {
            op()
        } catch (e: KeyProtectorException) {
            throw e
        } catch (e: GeneralSecurityException) {
            throw KeyProtectorException.Failed("${e.javaClass.simpleName}: ${e.message}")
        }

    companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val FORMAT: Byte = 1
        private const val IV_BYTES = 12
        private const val TAG_BYTES = 16
    }
}
