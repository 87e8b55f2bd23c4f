package app.nyckel.app.logic

import java.math.BigInteger
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

class Sec1Test {
    private fun p256() = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }

    @Test
    fun `65 bytes that decode back to the same key`() {
        repeat(20) { // coordinates with leading zero bytes turn up within a few keys
            val pair = p256().generateKeyPair()
            val pub = pair.public as ECPublicKey
            val sec1 = Sec1.uncompressed(pub)
            assertEquals(65, sec1.size)
            assertEquals(0x04, sec1[0].toInt())
            val x = BigInteger(1, sec1.copyOfRange(1, 33))
            val y = BigInteger(1, sec1.copyOfRange(33, 65))
            val back = KeyFactory.getInstance("EC").generatePublic(ECPublicKeySpec(ECPoint(x, y), pub.params)) as ECPublicKey
            assertContentEquals(pub.encoded, back.encoded)
            // And the DER signature Android's SHA256withECDSA gives verifies under it.
            val msg = "authenticatorData || clientDataHash".toByteArray()
            val sig = Signature.getInstance("SHA256withECDSA").run { initSign(pair.private); update(msg); sign() }
            assertEquals(0x30, sig[0].toInt(), "DER SEQUENCE")
            assertTrue(Signature.getInstance("SHA256withECDSA").run { initVerify(back); update(msg); verify(sig) })
        }
    }

    @Test
    fun `other curves are refused`() {
        val p384 = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp384r1")) }.generateKeyPair()
        assertFailsWith<IllegalArgumentException> { Sec1.uncompressed(p384.public as ECPublicKey) }
    }
}
