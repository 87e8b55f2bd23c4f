package app.nyckel.app.logic

import app.nyckel.HashAlgorithm
import app.nyckel.OtpKind
import app.nyckel.app.logic.ManualEntryForm.Field
import app.nyckel.app.logic.ManualEntryForm.Problem
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ManualEntryFormTest {
    private val ok = ManualEntryForm(issuer = " ACME ", name = "anna", secret = " jbsw y3dp ehpk 3pxp ")

    @Test
    fun `a complete TOTP form gives the record with defaults`() {
        assertTrue(ok.isValid)
        val m = ok.toManualAccount()
        assertEquals(OtpKind.TOTP, m.kind)
        assertEquals("ACME", m.issuer)
        assertEquals("jbsw y3dp ehpk 3pxp", m.secret, "spacing is the library's business")
        assertEquals(HashAlgorithm.SHA1, m.algorithm)
        assertEquals(6u, m.digits)
        assertEquals(30u, m.period)
        assertNull(m.counter)
    }

    @Test
    fun `required fields and numbers are checked`() {
        val p = ManualEntryForm(secret = " ", digits = "six", period = "").problems()
        assertEquals(Problem.REQUIRED, p[Field.SECRET])
        assertEquals(Problem.REQUIRED, p[Field.NAME])
        assertEquals(Problem.NOT_A_NUMBER, p[Field.DIGITS])
        assertEquals(Problem.NOT_A_NUMBER, p[Field.PERIOD])
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(digits = "-6").problems()[Field.DIGITS])
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(digits = "+6").problems()[Field.DIGITS])
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(period = "3 0").problems()[Field.PERIOD])
        assertFailsWith<IllegalStateException> { ok.copy(secret = "").toManualAccount() }
    }

    @Test
    fun `ranges are the library's business`() {
        // The core accepts 1-10 digits and periods up to 86400 s; the form must not refuse
        // what the library takes, nor judge what it refuses (InvalidInput(reason) says why).
        for (digits in listOf("1", "4", "10", "0", "11")) {
            assertEquals(digits.toUInt(), ok.copy(digits = digits).toManualAccount().digits)
        }
        for (period in listOf("1", "3601", "86400", "0", "86401")) {
            assertEquals(period.toUInt(), ok.copy(period = period).toManualAccount().period)
        }
        assertEquals(0uL, ok.copy(kind = OtpKind.HOTP, counter = "0").toManualAccount().counter)
        assertEquals(ULong.MAX_VALUE, ok.copy(kind = OtpKind.HOTP, counter = ULong.MAX_VALUE.toString()).toManualAccount().counter)
    }

    @Test
    fun `a number too large for the record is not a number, never wrapped around`() {
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(digits = "4294967302").problems()[Field.DIGITS], "2^32 + 6 must not become 6")
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(period = "99999999999999999999").problems()[Field.PERIOD])
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(kind = OtpKind.HOTP, counter = "18446744073709551616").problems()[Field.COUNTER])
    }

    @Test
    fun `HOTP takes a counter and no period`() {
        val m = ok.copy(kind = OtpKind.HOTP, counter = "7", period = "garbage").toManualAccount()
        assertEquals(7uL, m.counter)
        assertNull(m.period)
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(kind = OtpKind.HOTP, counter = "x").problems()[Field.COUNTER])
    }

    @Test
    fun `Steam ignores digits and algorithm`() {
        val m = ok.copy(kind = OtpKind.STEAM, digits = "", algorithm = HashAlgorithm.SHA512).toManualAccount()
        assertNull(m.digits)
        assertNull(m.algorithm)
        assertEquals(30u, m.period)
    }

    @Test
    fun `issuer alone is enough, and the secret never prints`() {
        assertTrue(ok.copy(name = "").isValid)
        assertFalse(ok.toString().contains("jbsw"))
    }
}
