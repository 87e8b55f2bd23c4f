package app.nyckel

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.test.assertFailsWith
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.CsvSource

/** otpauth parsing and code computation through the FFI, with RFC 6238 / RFC 4226 vectors. */
class OtpTest {
    companion object {
        // RFC 6238 appendix B seeds: ASCII "1234567890" repeated to 20 / 32 / 64 bytes.
        const val SHA1_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        const val SHA256_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
        const val SHA512_SECRET =
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA"

        fun totpUri(secret: String, algorithm: String) =
            "otpauth://totp/RFC:test?secret=$secret&issuer=RFC&algorithm=$algorithm&digits=8&period=30"
    }

    @ParameterizedTest(name = "RFC 6238 {1} at {0}")
    @CsvSource(
        "59, SHA1, 94287082", "1111111109, SHA1, 07081804", "1111111111, SHA1, 14050471",
        "1234567890, SHA1, 89005924", "2000000000, SHA1, 69279037", "20000000000, SHA1, 65353130",
        "59, SHA256, 46119246", "1111111109, SHA256, 68084774", "1111111111, SHA256, 67062674",
        "1234567890, SHA256, 91819424", "2000000000, SHA256, 90698825", "20000000000, SHA256, 77737706",
        "59, SHA512, 90693936", "1111111109, SHA512, 25091201", "1111111111, SHA512, 99943326",
        "1234567890, SHA512, 93441116", "2000000000, SHA512, 38618901", "20000000000, SHA512, 47863826",
    )
    fun rfc6238Vectors(time: Long, algorithm: String, expected: String) {
        val secret = when (algorithm) {
            "SHA1" -> SHA1_SECRET
            "SHA256" -> SHA256_SECRET
            else -> SHA512_SECRET
        }
        val code = codeForUri(totpUri(secret, algorithm), time)
        assertEquals(expected, code.code) // a String: leading zeros survive ("07081804")
        assertEquals(30u, code.period)
        assertEquals((30 - time % 30).toUInt(), code.secondsLeft)
    }

    @Test
    fun rfc4226Vectors() {
        val expected = listOf("755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489")
        expected.forEachIndexed { counter, want ->
            val code = codeForUri("otpauth://hotp/RFC:4226?secret=$SHA1_SECRET&counter=$counter", 0)
            assertEquals(want, code.code, "counter $counter")
            assertNull(code.secondsLeft)
            assertNull(code.period)
        }
    }

    @Test
    fun parseGivesInfoWithoutSecret() {
        val r = parseUri("otpauth://totp/ACME%20Co:jane@example.com?secret=$SHA1_SECRET&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60")
        assertEquals(OtpKind.TOTP, r.info.kind)
        assertEquals("ACME Co", r.info.issuer)
        assertEquals("jane@example.com", r.info.name)
        assertEquals(HashAlgorithm.SHA256, r.info.algorithm)
        assertEquals(8u, r.info.digits)
        assertEquals(60u, r.info.period)
        assertTrue(r.warnings.isEmpty(), r.warnings.toString())
        assertFalse(r.toString().contains(SHA1_SECRET), "records never carry the secret")
    }

    @Test
    fun parseReportsWarnings() {
        val r = parseUri("otpauth://hotp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example")
        assertEquals(OtpKind.HOTP, r.info.kind)
        assertTrue(r.warnings.isNotEmpty(), "missing counter and short secret are warnings")
    }

    @Test
    fun badUrisGiveTypedExceptions() {
        val bad = listOf(
            "https://example.com/",
            "otpauth://totp/x?issuer=nosecret",
            "otpauth://totp/x?secret=not*base32!",
            "otpauth://foo/x?secret=$SHA1_SECRET",
            "otpauth://totp/x?secret=$SHA1_SECRET&digits=zero",
            "otpauth://totp/x?secret=$SHA1_SECRET&algorithm=MD5",
            "",
            "otpauth://totp/x?secret=" + "A".repeat(5000),
        )
        for (uri in bad) {
            val e = assertFailsWith<NyckelException.InvalidUri>(uri.take(60)) { parseUri(uri) }
            assertTrue(e.reason.isNotBlank())
            assertFailsWith<NyckelException.InvalidUri> { codeForUri(uri, 0) }
        }
    }

    @Test
    fun invalidUriReasonNamesTheProblemNotTheSecret() {
        val secret = "JBSWY3DPEHPK3PXP1"
        val e = assertFailsWith<NyckelException.InvalidUri> { parseUri("otpauth://totp/x?secret=$secret") }
        assertTrue(e.reason.contains("base32"), e.reason)
        assertFalse(e.reason.contains(secret), e.reason)
    }

    @Test
    fun negativeTimeIsRejected() {
        assertFailsWith<NyckelException.InvalidInput> { codeForUri(totpUri(SHA1_SECRET, "SHA1"), -1) }
    }

    @Test
    fun steamCodes() {
        val code = codeForUri("otpauth://totp/Steam:me?secret=$SHA1_SECRET&issuer=Steam&encoder=steam", 59)
        // Whether a URI is Steam or not is the parser's business; both shapes are valid codes.
        assertTrue(code.code.length == 5 || code.code.length == 6, code.code)
        val steam = codeForUri("otpauth://steam/Steam:me?secret=$SHA1_SECRET", 59)
        assertEquals(5, steam.code.length)
        assertTrue(steam.code.all { it in "23456789BCDFGHJKMNPQRTVWXY" }, steam.code)
    }

    @Test
    fun helpers() {
        assertEquals("070 818", CodeInfo("070818", 3u, 30u).grouped)
        assertEquals("0708 1804", CodeInfo("07081804", 3u, 30u).grouped)
        assertEquals("XK2P9", CodeInfo("XK2P9", 3u, 30u).grouped)
        assertEquals(0.5f, CodeInfo("070818", 15u, 30u).remainingFraction)
        assertNull(CodeInfo("070818", null, null).remainingFraction)
        assertEquals("ACME (jane)", displayTitle("ACME", "jane"))
        assertEquals("jane", displayTitle("", "jane"))
        assertTrue(nyckelVersion().isNotEmpty())
        assertTrue(unixTimeNow() > 1_700_000_000L)
    }
}
