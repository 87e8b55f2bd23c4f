package app.nyckel.app.logic

import app.nyckel.AccountCode
import app.nyckel.AccountInfo
import app.nyckel.CodeInfo
import app.nyckel.HashAlgorithm
import app.nyckel.OtpKind
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class CodeRowsTest {
    private fun account(id: Long, kind: OtpKind = OtpKind.TOTP, issuer: String = "Issuer$id", name: String = "user$id") =
        AccountInfo(id, kind, issuer, name, HashAlgorithm.SHA1, 6u, 30u, 0uL, "", id, 0, 0)

    private fun code(a: AccountInfo, value: String = "012345", left: UInt = 15u) =
        AccountCode(a, CodeInfo(value, left, 30u))

    @Test
    fun `rows follow the account order, with grouped codes and countdown`() {
        val a = account(1)
        val h = account(2, OtpKind.HOTP)
        val s = account(3, OtpKind.STEAM)
        val list = CodeRows.build(listOf(a, h, s), listOf(code(a), code(s, "2BX7Q", 30u)))
        assertFalse(list.accountsStale)
        assertEquals(listOf(1L, 2L, 3L), list.rows.map { it.id })
        val first = list.rows[0]
        assertEquals("012 345", first.code)
        assertEquals("012345", first.rawCode)
        assertEquals(15, first.secondsLeft)
        assertEquals(0.5f, first.fraction)
        val hotp = list.rows[1]
        assertTrue(hotp.isHotp)
        assertNull(hotp.code, "no HOTP code until the user asks for one")
        assertNull(hotp.fraction)
        assertEquals("2BX7Q", list.rows[2].code)
    }

    @Test
    fun `generated HOTP code is shown`() {
        val h = account(2, OtpKind.HOTP)
        val list = CodeRows.build(listOf(h), emptyList(), mapOf(2L to CodeInfo("87654321", null, null)))
        assertEquals("8765 4321", list.rows.single().code)
        assertNull(list.rows.single().secondsLeft)
    }

    @Test
    fun `fresh account info from codes wins over the cache`() {
        val cached = account(1, issuer = "Old")
        val renamed = account(1, issuer = "New")
        val list = CodeRows.build(listOf(cached), listOf(code(renamed)))
        assertEquals("New", list.rows.single().issuer)
        assertEquals("New (user1)", list.rows.single().title)
    }

    @Test
    fun `an account added or deleted elsewhere marks the cache stale`() {
        val a = account(1)
        val b = account(2)
        val added = CodeRows.build(listOf(a), listOf(code(a), code(b)))
        assertTrue(added.accountsStale)
        assertEquals(listOf(1L), added.rows.map { it.id })
        val deleted = CodeRows.build(listOf(a, b), listOf(code(a)))
        assertTrue(deleted.accountsStale)
        assertEquals(listOf(1L), deleted.rows.map { it.id }, "a deleted TOTP account is not drawn without a code")
    }

    @Test
    fun `search matches issuer or name, ignoring case`() {
        val a = account(1, issuer = "Region Skåne", name = "anna")
        val b = account(2, issuer = "GitHub", name = "bo")
        val list = CodeRows.build(listOf(a, b), listOf(code(a), code(b)), filter = " skåne ")
        assertEquals(listOf(1L), list.rows.map { it.id })
        assertEquals(listOf(2L), CodeRows.build(listOf(a, b), listOf(code(a), code(b)), filter = "BO").rows.map { it.id })
    }

    @Test
    fun `ticks on the second`() {
        assertEquals(1000, CodeRows.delayToNextSecond(5_000))
        assertEquals(1, CodeRows.delayToNextSecond(5_999))
        assertEquals(750, CodeRows.delayToNextSecond(250))
    }

    @Test
    fun `rows never print codes`() {
        val a = account(1)
        val row = CodeRows.build(listOf(a), listOf(code(a, "987654"))).rows.single()
        assertFalse(row.toString().contains("987"))
    }
}
