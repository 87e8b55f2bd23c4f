package app.nyckel.app.logic

import app.nyckel.AttestationFormat
import app.nyckel.DeviceKeyException
import java.security.KeyPairGenerator
import java.security.PublicKey
import java.security.cert.Certificate
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull

/** The Keystore's certificate chain turned into the attestation the provider checks. */
class KeyAttestationChainTest {
    /** A certificate that is only its DER bytes and a public key (no X.509 parsing needed). */
    private class FakeCertificate(private val der: ByteArray, private val key: PublicKey) : Certificate("X.509") {
        override fun getEncoded() = der.copyOf()
        override fun getPublicKey() = key
        override fun verify(key: PublicKey?) = Unit
        override fun verify(key: PublicKey?, sigProvider: String?) = Unit
        override fun toString() = "FakeCertificate(${der.size} bytes)"
    }

    private fun ecKey(curve: String = "secp256r1") =
        KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec(curve)) }.generateKeyPair().public

    private val leafKey = ecKey()
    private val sec1 = Sec1.uncompressed(leafKey as ECPublicKey)
    private val chain = arrayOf<Certificate>(
        FakeCertificate(byteArrayOf(1, 1), leafKey),
        FakeCertificate(byteArrayOf(2, 2), ecKey()),
        FakeCertificate(byteArrayOf(3, 3), ecKey()),
    )

    @Test
    fun `the chain leaf first is the attestation of the key`() {
        val attested = KeyAttestationChain.of(sec1, chain)!!
        assertEquals(AttestationFormat.ANDROID_KEY, attested.format)
        assertContentEquals(sec1, attested.publicKey)
        assertEquals(listOf(listOf<Byte>(1, 1), listOf<Byte>(2, 2), listOf<Byte>(3, 3)), attested.chain.map { it.toList() })
    }

    @Test
    fun `no chain or a lone self-signed certificate is no attestation`() {
        assertNull(KeyAttestationChain.of(sec1, null))
        assertNull(KeyAttestationChain.of(sec1, emptyArray()))
        assertNull(KeyAttestationChain.of(sec1, arrayOf(chain[0])))
    }

    @Test
    fun `a chain of another key or curve is refused`() {
        val other = Sec1.uncompressed(ecKey() as ECPublicKey)
        assertFailsWith<DeviceKeyException.Other> { KeyAttestationChain.of(other, chain) }
        val p384 = arrayOf<Certificate>(FakeCertificate(byteArrayOf(1), ecKey("secp384r1")), chain[1])
        assertFailsWith<DeviceKeyException.Other> { KeyAttestationChain.of(sec1, p384) }
        val rsa = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair().public
        val notEc = arrayOf<Certificate>(FakeCertificate(byteArrayOf(1), rsa), chain[1])
        assertFailsWith<DeviceKeyException.Other> { KeyAttestationChain.of(sec1, notEc) }
    }
}
