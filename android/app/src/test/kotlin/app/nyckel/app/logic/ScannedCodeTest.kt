package app.nyckel.app.logic

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ScannedCodeTest {
    private val otp = "otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME"
    private val enroll = "nyckel-enroll://v1?url=https%3A%2F%2Fidp.example.se&code=abcdefghijklmnop&account=anna&fp=x"

    @Test
    fun `schemes are recognised case-insensitively and trimmed`() {
        assertEquals(ScannedCode.Otp(otp), ScannedCode.classify("  $otp\n"))
        assertTrue(ScannedCode.classify("OTPAUTH://totp/x?secret=AAAA") is ScannedCode.Otp)
        assertEquals(ScannedCode.Enrollment(enroll), ScannedCode.classify(enroll))
        assertTrue(ScannedCode.classify("Nyckel-Enroll://v1?x") is ScannedCode.Enrollment)
    }

    @Test
    fun `google export and other codes are told apart`() {
        assertEquals(ScannedCode.GoogleMigration, ScannedCode.classify("otpauth-migration://offline?data=abc"))
        assertEquals(ScannedCode.NotAnAccount, ScannedCode.classify("https://example.se"))
        assertEquals(ScannedCode.NotAnAccount, ScannedCode.classify(""))
        assertEquals(ScannedCode.NotAnAccount, ScannedCode.classify("WIFI:S:net;P:pw;;"))
    }

    @Test
    fun `usable codes win when an image holds several`() {
        assertEquals(ScannedCode.Otp(otp), ScannedCode.firstUsable(listOf("https://x.se", otp)))
        assertEquals(ScannedCode.NotAnAccount, ScannedCode.firstUsable(listOf("https://x.se")))
        assertNull(ScannedCode.firstUsable(emptyList()))
    }

    @Test
    fun `toString never shows the secret`() {
        assertFalse(ScannedCode.classify(otp).toString().contains("JBSWY3DP"))
        assertFalse(ScannedCode.classify(enroll).toString().contains("abcdefghijklmnop"))
    }
}
