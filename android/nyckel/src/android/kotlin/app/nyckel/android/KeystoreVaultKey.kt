package app.nyckel.android

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import androidx.fragment.app.FragmentActivity
import app.nyckel.AesGcmKeyProtector
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * The AndroidKeyStore AES-256 key that wraps the vault key.
 *
 * Created with `setUserAuthenticationRequired(true)` and per-operation authentication
 * (timeout 0, strong biometrics or the device credential): the Keystore refuses every
 * `Cipher.doFinal` with it unless that very cipher was authorised by a `BiometricPrompt`
 * holding it as `CryptoObject`. New biometrics invalidate it
 * (`KeyPermanentlyInvalidatedException` → `NyckelException.KeyInvalidated`: unlock with
 * the passphrase, enrol again). StrongBox when the phone has it.
 *
 * Compiled by the Gradle build only (Android APIs); not part of the JVM test harness.
 */
object KeystoreVaultKey {
    const val DEFAULT_ALIAS = "app.nyckel.vault-key-wrapper"
    private const val PROVIDER = "AndroidKeyStore"

    /** The existing key, or a new one. */
    fun getOrCreate(alias: String = DEFAULT_ALIAS): SecretKey {
        val store = KeyStore.getInstance(PROVIDER).apply { load(null) }
        (store.getKey(alias, null) as? SecretKey)?.let { return it }
        return try {
            generate(alias, strongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P)
        } catch (e: StrongBoxUnavailableException) {
            generate(alias, strongBox = false)
        }
    }

    /** Deletes the key (after `disablePlatformKey()`, or to re-enrol after invalidation). */
    fun delete(alias: String = DEFAULT_ALIAS) {
        KeyStore.getInstance(PROVIDER).apply { load(null) }.deleteEntry(alias)
    }

    private fun generate(alias: String, strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setUserAuthenticationRequired(true)
            .setInvalidatedByBiometricEnrollment(true)
            .apply {
                if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                    setUserAuthenticationParameters(
                        0,
                        KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                    )
                }
                if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true)
            }
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER).run {
            init(spec)
            generateKey()
        }
    }

    /**
     * The protector to hand to `NyckelVault.unlockWithProtector` / `enablePlatformKey` /
     * `createWithProtector`: AES-GCM under the Keystore key, each operation authorised by a
     * biometric prompt shown on [activity]. Call those vault methods off the main thread.
     */
    fun protector(activity: FragmentActivity, prompt: BiometricCipherAuthorizer.Texts, alias: String = DEFAULT_ALIAS) =
        AesGcmKeyProtector(key = { getOrCreate(alias) }, authorize = BiometricCipherAuthorizer(activity, prompt))
}
