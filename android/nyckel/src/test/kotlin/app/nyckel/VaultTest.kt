package app.nyckel

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.test.assertFailsWith

/** The vault through the FFI: accounts, codes, persistence, errors. */
class VaultTest {
    private val sha1 = OtpTest.SHA1_SECRET

    @Test
    fun addFromUriAndRfcCodesThroughTheVault() {
        val vault = TestSupport.newVault()
        val added = vault.addUri(OtpTest.totpUri(sha1, "SHA1"))
        assertEquals("RFC", added.account.issuer)
        assertEquals(OtpKind.TOTP, added.account.kind)
        assertEquals(8u, added.account.digits)
        vault.addUri(OtpTest.totpUri(OtpTest.SHA256_SECRET, "SHA256"))
        vault.addUri(OtpTest.totpUri(OtpTest.SHA512_SECRET, "SHA512"))
        val hotp = vault.addUri("otpauth://hotp/RFC:4226?secret=$sha1&counter=0").account

        // One call, every TOTP/Steam account, in order; HOTP left out.
        val codes = vault.codesAt(1111111109)
        assertEquals(listOf("07081804", "68084774", "25091201"), codes.map { it.code.code })
        assertTrue(codes.all { it.code.period == 30u && it.code.secondsLeft == 1u })
        assertEquals(listOf("755224", "287082", "359152"), (1..3).map { vault.nextHotpCode(hotp.id).code })
        assertEquals(3uL, vault.account(hotp.id).counter)
        assertEquals(3, vault.codes().size)
        vault.closeVault()
    }

    @Test
    fun persistsAcrossReopen() {
        val path = TestSupport.vaultPath()
        TestSupport.newVault(path, "pässfråse").use { vault ->
            vault.addUri(OtpTest.totpUri(sha1, "SHA1"))
            val hotp = vault.addUri("otpauth://hotp/RFC:4226?secret=$sha1&counter=0").account
            assertEquals("755224", vault.nextHotpCode(hotp.id).code)
            vault.updateAccount(hotp.id, AccountChanges(note = "yubikey drawer"))
            vault.closeVault()
        }
        NyckelVault.open(path).use { vault ->
            assertTrue(vault.isLocked())
            assertFailsWith<NyckelException.Locked> { vault.accounts() }
            assertFailsWith<NyckelException.Locked> { vault.codes() }
            vault.unlockWithPassphrase("pässfråse")
            assertFalse(vault.isLocked())
            val accounts = vault.accounts()
            assertEquals(2, accounts.size)
            assertEquals("yubikey drawer", accounts[1].note)
            // The counter advanced before the first code was returned, and stayed advanced.
            assertEquals("287082", vault.nextHotpCode(accounts[1].id).code)
            assertEquals("94287082", vault.codesAt(59).single().code.code)
            vault.lock()
            assertTrue(vault.isLocked())
            assertFailsWith<NyckelException.Locked> { vault.accounts() }
        }
    }

    @Test
    fun wrongPassphrase() {
        val path = TestSupport.vaultPath()
        TestSupport.newVault(path, "right").closeVault()
        val vault = NyckelVault.open(path)
        val e = assertFailsWith<NyckelException.WrongPassphrase> { vault.unlockWithPassphrase("wrong") }
        assertFalse(e.message.orEmpty().contains("wrong"))
        assertTrue(vault.isLocked())
        vault.unlockWithPassphrase("right")
        assertFalse(vault.isLocked())
    }

    @Test
    fun useAfterClose() {
        val vault = TestSupport.newVault()
        vault.addUri(TestSupport.totpUri(TestSupport.randomSecret()))
        vault.closeVault()
        assertFailsWith<NyckelException.Closed> { vault.accounts() }
        assertFailsWith<NyckelException.Closed> { vault.codes() }
        assertFailsWith<NyckelException.Closed> { vault.isLocked() }
        assertFailsWith<NyckelException.Closed> { vault.unlockWithPassphrase("correct horse battery") }
        vault.closeVault() // twice is fine
        // Destroying the Kotlin handle (AutoCloseable) and using it is an exception too, not a crash.
        vault.close()
        assertFailsWith<IllegalStateException> { vault.accounts() }
    }

    @Test
    fun typedErrors() {
        val path = TestSupport.vaultPath()
        val vault = TestSupport.newVault(path)
        val first = vault.addUri(TestSupport.totpUri(sha1)).account
        val dup = assertFailsWith<NyckelException.Duplicate> { vault.addUri(TestSupport.totpUri(sha1, name = "again")) }
        assertEquals(first.id, dup.existingId)
        vault.addUri(TestSupport.totpUri(sha1, name = "again"), allowDuplicate = true)
        assertEquals(2, vault.accounts().size)

        assertFailsWith<NyckelException.InvalidUri> { vault.addUri("otpauth://totp/x?secret=!!!") }
        assertEquals(404L, assertFailsWith<NyckelException.NotFound> { vault.account(404) }.id)
        assertFailsWith<NyckelException.NotFound> { vault.deleteAccount(404) }
        assertFailsWith<NyckelException.InvalidInput> { vault.reorder(listOf(first.id)) }
        assertFailsWith<NyckelException.InvalidInput> { vault.nextHotpCode(first.id) } // not HOTP
        assertFailsWith<NyckelException.AlreadyExists> { NyckelVault.create(path, "x", kdfMinimum()) }
        assertFailsWith<NyckelException.NoVault> { NyckelVault.open("$path.missing") }
        assertFailsWith<NyckelException.Damaged> { NyckelVault.open(tempFile("not a vault at all".toByteArray()).toString()) }
        assertFailsWith<NyckelException.InvalidInput> { NyckelVault.create("$path.2", "", kdfMinimum()) }
        val weak = KdfSettings(1024u, 1u, 1u)
        assertFailsWith<NyckelException.InvalidInput> { NyckelVault.create("$path.3", "pw", weak) }
        assertFailsWith<NyckelException.NoPlatformKey> { vault.unlockWithProtector(ScriptedProtector()) }
    }

    @Test
    fun manualEntryEditReorderDeleteActivityExport() {
        val vault = TestSupport.newVault()
        val manual = vault.addManual(
            ManualAccount(kind = OtpKind.TOTP, secret = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", issuer = "Region Skåne", name = "anna", digits = 8u),
        )
        assertEquals("Region Skåne", manual.account.issuer)
        assertEquals("94287082", vault.codesAt(59).single().code.code)
        assertFailsWith<NyckelException.InvalidInput> {
            vault.addManual(ManualAccount(kind = OtpKind.TOTP, secret = "not base32!", issuer = "x"))
        }
        val steam = vault.addManual(ManualAccount(kind = OtpKind.STEAM, secret = TestSupport.randomSecret(), issuer = "Steam")).account
        assertEquals(5u, steam.digits)
        val hotp = vault.addManual(ManualAccount(kind = OtpKind.HOTP, secret = TestSupport.randomSecret(), name = "h", counter = 7uL)).account
        assertEquals(7uL, hotp.counter)

        val renamed = vault.updateAccount(manual.account.id, AccountChanges(name = "anna.k", note = "work"))
        assertEquals("anna.k", renamed.name)
        assertEquals("work", renamed.note)

        vault.reorder(listOf(hotp.id, steam.id, manual.account.id))
        assertEquals(listOf(hotp.id, steam.id, manual.account.id), vault.accounts().map { it.id })
        assertEquals(listOf(steam.id, manual.account.id), vault.codes().map { it.account.id })
        assertEquals(5, vault.codes().first().code.code.length)

        val uri = vault.exportUri(manual.account.id, ExportVia.QR)
        assertTrue(uri.startsWith("otpauth://totp/"), uri)
        assertEquals("94287082", codeForUri(uri, 59).code) // the secret round-trips
        vault.deleteAccount(hotp.id)
        assertEquals(2, vault.accounts().size)

        val activity = vault.activity(50u)
        val events = activity.map { it.event }
        assertTrue(events.first() is ActivityEvent.AccountRemoved, events.toString())
        assertTrue(events.any { it is ActivityEvent.Exported && it.format == "qr" })
        assertTrue(events.any { it is ActivityEvent.AccountEdited && it.name == "anna.k" })
        assertEquals(3, events.count { it is ActivityEvent.AccountAdded })
        assertTrue(activity.zipWithNext().all { (a, b) -> a.id > b.id }, "newest first")
        assertTrue(activity.all { it.summary.isNotBlank() && !it.summary.contains(OtpTest.SHA1_SECRET) })
        assertEquals(1, vault.activity(1u).size)
    }

    @Test
    fun recordsAndErrorsNeverCarryTheSecret() {
        val secret = TestSupport.randomSecret()
        val vault = TestSupport.newVault()
        val added = vault.addUri(TestSupport.totpUri(secret))
        val texts = mutableListOf(added.toString(), vault.accounts().toString(), vault.codes().toString(), vault.activity(10u).toString())
        texts += assertFailsWith<NyckelException.Duplicate> { vault.addUri(TestSupport.totpUri(secret)) }.message.orEmpty()
        texts += assertFailsWith<NyckelException.InvalidUri> { parseUri("otpauth://totp/x?secret=${secret}1&digits=99") }.message.orEmpty()
        texts += assertFailsWith<NyckelException.InvalidUri> { parseUri("otpauth://totp/x?secret=$secret&digits=99") }.message.orEmpty()
        for (t in texts) assertFalse(t.contains(secret), t)
        assertNotEquals(0, texts.size)
    }
}
