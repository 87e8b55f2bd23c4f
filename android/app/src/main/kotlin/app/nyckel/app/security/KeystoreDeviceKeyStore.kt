package app.nyckel.app.security

import android.content.Context
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyInfo
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.security.keystore.UserNotAuthenticatedException
import androidx.biometric.BiometricPrompt
import app.nyckel.DeviceKeyException
import app.nyckel.DeviceKeyStore
import app.nyckel.app.R
import app.nyckel.AttestedKey
import app.nyckel.app.logic.KeyAttestationChain
import app.nyckel.app.logic.PromptBridge
import app.nyckel.app.logic.Sec1
import java.security.GeneralSecurityException
import java.security.InvalidAlgorithmParameterException
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.ProviderException
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec

/**
 * Device keys for push approvals (protocol §2): EC P-256 keys in the AndroidKeyStore
 * (StrongBox when the phone has one), signing with SHA256withECDSA (DER, as the protocol
 * wants). Aliases come from the core; they are prefixed here so they never clash with the
 * vault key.
 *
 * - Device keys (`userVerification = false`): sign approvals, denials and reports without a
 *   prompt (protocol §6: no biometrics needed to say no).
 * - Phone-sign-in keys (`userVerification = true`): `setUserAuthenticationRequired(true)`,
 *   per-operation auth (strong biometrics, or the device credential on API 30+),
 *   `setInvalidatedByBiometricEnrollment(true)`. [sign] hands the `Signature` to
 *   BiometricPrompt as `CryptoObject` through the [PromptBridge] and blocks the calling
 *   worker thread (the FFI call is synchronous) until the user answered or 2 minutes passed
 *   (a sign-in request lives 120 s). Cancel / timeout → `UserCancelled`. A key invalidated
 *   by new biometrics → `NotFound` (Nyckel then says: turn phone sign-in on again).
 * - [createAttestedKey]: the phone-sign-in key generated with the provider's challenge as
 *   `setAttestationChallenge`, returned with `getCertificateChain` (Android Key Attestation,
 *   protocol §4.4; the chain is checked and shaped by [KeyAttestationChain], tested on the
 *   JVM). A phone whose Keystore cannot attest gets null, with nothing left behind, and Nyckel
 *   creates the key without attestation.
 *
 * The core verifies every signature against the public key before using it.
 */
class KeystoreDeviceKeyStore(
    private val context: Context,
    private val bridge: PromptBridge<BiometricAsk, BiometricPrompt.CryptoObject>,
) : DeviceKeyStore {

    /** What the next prompt on this thread is for (set by the screen making the call). */
    enum class Purpose { APPROVE_SIGN_IN, ENABLE_PHONE_SIGN_IN }

    private val purpose = ThreadLocal<Purpose?>()

    /**
     * Runs [block] (a Nyckel call on this thread) with prompts titled for [p]. Nyckel calls the
     * key store on the thread that made the FFI call, so a thread-local is enough.
     */
    fun <T> withPurpose(p: Purpose, block: () -> T): T {
        purpose.set(p)
        try {
            return block()
        } finally {
            purpose.remove()
        }
    }

    override fun createKey(alias: String, userVerification: Boolean): ByteArray = guarded {
        val name = keystoreAlias(alias)
        if (store().containsAlias(name)) throw DeviceKeyException.AlreadyExists()
        val pair = try {
            generate(name, userVerification, strongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P)
        } catch (e: StrongBoxUnavailableException) {
            generate(name, userVerification, strongBox = false)
        } catch (e: InvalidAlgorithmParameterException) {
            // UV keys need a secure lock screen (and, below API 30, an enrolled fingerprint/face).
            throw DeviceKeyException.Unavailable(
                if (userVerification) "set up a screen lock and biometrics to use phone sign-in" else "key generation refused",
            )
        }
        Sec1.uncompressed(pair.public as ECPublicKey)
    }

    override fun createAttestedKey(alias: String, challenge: ByteArray): AttestedKey? = guarded {
        val name = keystoreAlias(alias)
        if (store().containsAlias(name)) throw DeviceKeyException.AlreadyExists()
        val pair = try {
            try {
                generate(name, true, strongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P, challenge = challenge)
            } catch (e: StrongBoxUnavailableException) {
                generate(name, true, strongBox = false, challenge = challenge)
            }
        } catch (e: InvalidAlgorithmParameterException) {
            throw DeviceKeyException.Unavailable("set up a screen lock and biometrics to use phone sign-in")
        } catch (e: ProviderException) {
            // No attestation on this phone (no attestation keys provisioned): no key, no attestation.
            deleteKey(alias)
            return@guarded null
        }
        val attested = try {
            KeyAttestationChain.of(Sec1.uncompressed(pair.public as ECPublicKey), store().getCertificateChain(name))
        } catch (e: DeviceKeyException) {
            deleteKey(alias)
            throw e
        }
        if (attested == null) deleteKey(alias)
        attested
    }

    override fun publicKey(alias: String): ByteArray = guarded {
        val cert = store().getCertificate(keystoreAlias(alias)) ?: throw DeviceKeyException.NotFound()
        Sec1.uncompressed(cert.publicKey as ECPublicKey)
    }

    override fun sign(alias: String, message: ByteArray): ByteArray = guarded {
        val key = store().getKey(keystoreAlias(alias), null) as? PrivateKey ?: throw DeviceKeyException.NotFound()
        val signature = Signature.getInstance(SIGNATURE)
        try {
            signature.initSign(key)
        } catch (e: KeyPermanentlyInvalidatedException) {
            // New biometrics were enrolled: the phone-sign-in key is gone for good. NotFound
            // (not UserVerificationFailed, which means "try again") makes Nyckel report
            // PhoneSigninKeyUnavailable: turn phone sign-in off and on again.
            throw DeviceKeyException.NotFound()
        }
        val ready = if (requiresUser(key)) authorize(signature) else signature
        try {
            ready.update(message)
            ready.sign()
        } catch (e: UserNotAuthenticatedException) {
            throw DeviceKeyException.UserVerificationFailed()
        }
    }

    override fun deleteKey(alias: String) = guarded {
        val name = keystoreAlias(alias)
        val ks = store()
        if (ks.containsAlias(name)) ks.deleteEntry(name)
    }

    /** Deletes every device key of this app (after the vault was reset). */
    fun deleteAll() {
        val ks = store()
        ks.aliases().toList().filter { it.startsWith(PREFIX) }.forEach(ks::deleteEntry)
    }

    private fun authorize(signature: Signature): Signature {
        val p = purpose.get() ?: Purpose.APPROVE_SIGN_IN
        val ask = BiometricAsk(
            crypto = BiometricPrompt.CryptoObject(signature),
            title = context.getString(
                if (p == Purpose.ENABLE_PHONE_SIGN_IN) R.string.biometric_enable_phone_signin_title else R.string.biometric_sign_in_title,
            ),
            subtitle = context.getString(R.string.biometric_sign_in_subtitle),
            negativeButton = context.getString(R.string.cancel),
            allowDeviceCredential = true,
        )
        return when (val r = bridge.request(ask, SIGN_TIMEOUT_MILLIS)) {
            is PromptBridge.Result.Success -> r.value.signature ?: signature
            PromptBridge.Result.Cancelled, PromptBridge.Result.TimedOut -> throw DeviceKeyException.UserCancelled()
            PromptBridge.Result.NoHost -> throw DeviceKeyException.Unavailable("Nyckel is not on screen")
            is PromptBridge.Result.Failed -> throw DeviceKeyException.Unavailable(r.reason)
        }
    }

    private fun requiresUser(key: PrivateKey): Boolean = try {
        val info = KeyFactory.getInstance(key.algorithm, PROVIDER).getKeySpec(key, KeyInfo::class.java)
        info.isUserAuthenticationRequired
    } catch (e: GeneralSecurityException) {
        true // when in doubt, ask: a prompt too many is better than a signature without the user
    }

    private fun generate(name: String, userVerification: Boolean, strongBox: Boolean, challenge: ByteArray? = null) =
        KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, PROVIDER).run {
            val spec = KeyGenParameterSpec.Builder(name, KeyProperties.PURPOSE_SIGN)
                .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
                .setDigests(KeyProperties.DIGEST_SHA256)
                .apply {
                    if (userVerification) {
                        setUserAuthenticationRequired(true)
                        setInvalidatedByBiometricEnrollment(true)
                        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                            setUserAuthenticationParameters(
                                0,
                                KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                            )
                        }
                    }
                    if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true)
                    if (challenge != null) setAttestationChallenge(challenge)
                }
                .build()
            initialize(spec)
            generateKeyPair()
        }

    /** Keystore exceptions become the trait's error (never with key material in the text). */
    private inline fun <T> guarded(op: () -> T): T = try {
        op()
    } catch (e: DeviceKeyException) {
        throw e
    } catch (e: GeneralSecurityException) {
        throw DeviceKeyException.Other("${e.javaClass.simpleName}: ${e.message.orEmpty().take(200)}")
    } catch (e: ProviderException) {
        // Keystore daemon / StrongBox busy or failing.
        throw DeviceKeyException.Unavailable("${e.javaClass.simpleName}: ${e.message.orEmpty().take(200)}")
    }

    private fun store(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

    private fun keystoreAlias(alias: String) = PREFIX + alias

    private companion object {
        const val PROVIDER = "AndroidKeyStore"
        const val PREFIX = "app.nyckel.device."
        const val SIGNATURE = "SHA256withECDSA"
        const val SIGN_TIMEOUT_MILLIS = 120_000L
    }
}
