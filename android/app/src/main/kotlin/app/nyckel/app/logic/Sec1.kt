package app.nyckel.app.logic

import java.math.BigInteger
import java.security.interfaces.ECPublicKey

/**
 * SEC1 uncompressed encoding of a P-256 public key (`0x04 ‖ X ‖ Y`, 65 bytes), which is what
 * the `DeviceKeyStore` trait returns (protocol §2). Android's Keystore hands out an
 * `ECPublicKey` (X.509 inside); this converts it.
 */
object Sec1 {
    const val P256_BYTES = 32
    const val UNCOMPRESSED_LENGTH = 1 + 2 * P256_BYTES

    fun uncompressed(key: ECPublicKey): ByteArray {
        val fieldBits = key.params.curve.field.fieldSize
        require(fieldBits == 256) { "not a P-256 key ($fieldBits-bit field)" }
        val out = ByteArray(UNCOMPRESSED_LENGTH)
        out[0] = 0x04
        fixed(key.w.affineX).copyInto(out, 1)
        fixed(key.w.affineY).copyInto(out, 1 + P256_BYTES)
        return out
    }

    /** An unsigned big-endian coordinate left-padded to 32 bytes. */
    private fun fixed(n: BigInteger): ByteArray {
        require(n.signum() >= 0) { "negative coordinate" }
        val raw = n.toByteArray().let { if (it.size > P256_BYTES && it[0] == 0.toByte()) it.copyOfRange(1, it.size) else it }
        require(raw.size <= P256_BYTES) { "coordinate too large" }
        return ByteArray(P256_BYTES - raw.size) + raw
    }
}
