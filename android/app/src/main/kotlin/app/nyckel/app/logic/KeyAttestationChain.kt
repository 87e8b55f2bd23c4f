package app.nyckel.app.logic

import app.nyckel.AttestationFormat
import app.nyckel.AttestedKey
import app.nyckel.DeviceKeyException
import java.security.cert.Certificate
import java.security.interfaces.ECPublicKey

/**
 * The Android Key Attestation of a phone sign-in key (protocol §4.4): the certificate chain
 * `KeyStore.getCertificateChain(alias)` returns for a key generated with
 * `setAttestationChallenge`, leaf first, as the `AttestedKey` the FFI's
 * `DeviceKeyStore.createAttestedKey` returns. Plain Kotlin, so it is tested on the JVM; the
 * Keystore calls around it stay in the app's key store.
 */
object KeyAttestationChain {
    /**
     * The attestation of the key whose SEC1 public key is [publicKey], from its [chain]; null
     * when the Keystore gave no attestation (no chain, or a lone self-signed certificate: a
     * key store without attestation support). Throws `DeviceKeyException.Other` when the
     * chain's leaf is not this key (a Keystore answering for another alias).
     */
    fun of(publicKey: ByteArray, chain: Array<out Certificate>?): AttestedKey? {
        if (chain == null || chain.size < 2) return null
        val leaf = chain[0].publicKey as? ECPublicKey
            ?: throw DeviceKeyException.Other("the attestation's leaf is not an EC key")
        val leafKey = try {
            Sec1.uncompressed(leaf)
        } catch (e: IllegalArgumentException) {
            throw DeviceKeyException.Other("the attestation's leaf is not a P-256 key")
        }
        if (!leafKey.contentEquals(publicKey)) {
            throw DeviceKeyException.Other("the attestation is of another key")
        }
        return AttestedKey(publicKey, AttestationFormat.ANDROID_KEY, chain.map { it.encoded })
    }
}
