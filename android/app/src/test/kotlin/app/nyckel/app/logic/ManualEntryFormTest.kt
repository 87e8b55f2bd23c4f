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
        val p = ManualEntryForm(secret = " ", digits = "six", period = "0").problems()
        assertEquals(Problem.REQUIRED, p[Field.SECRET])
        assertEquals(Problem.REQUIRED, p[Field.NAME])
        assertEquals(Problem.NOT_A_NUMBER, p[Field.DIGITS])
        assertEquals(Problem.OUT_OF_RANGE, p[Field.PERIOD])
        assertEquals(Problem.OUT_OF_RANGE, ok.copy(digits = "4").problems()[Field.DIGITS])
        assertEquals(Problem.NOT_A_NUMBER, ok.copy(digits = "-6").problems()[Field.DIGITS])
        assertFailsWith<IllegalStateException> { ok.copy(secret = "").toManualAccount() }
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
