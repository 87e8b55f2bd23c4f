package app.nyckel

import java.io.File
import java.io.IOException
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** A folder that fails the operation named in [failOn] once. */
private class FlakyFolder(dir: File) : BackupFolder {
    private val real = FileBackupFolder(dir)
    var failOn: String? = null
    private fun maybeFail(op: String) {
        if (failOn == op) {
            failOn = null
            throw IOException("simulated $op failure")
        }
    }
    override fun exists(name: String) = real.exists(name)
    override fun write(name: String, bytes: ByteArray) { maybeFail("write"); real.write(name, bytes) }
    override fun rename(from: String, to: String) { maybeFail("rename:$from"); real.rename(from, to) }
    override fun delete(name: String) { maybeFail("delete:$name"); real.delete(name) }
}

private class MemoryState(override val sealedKey: ByteArray?) : AutoBackup.State {
    override var lastFingerprint: String? = null
}

/** The vault as the port, counting the fingerprint queries (the costly check the stamp avoids). */
private class CountingPort(vault: NyckelVault) : AutoBackup.Port {
    private val real = AutoBackup.VaultPort(vault)
    var fingerprints = 0
    override fun changeStamp() = real.changeStamp()
    override fun fingerprint() = real.fingerprint().also { fingerprints++ }
    override fun backup(sealedKey: ByteArray) = real.backup(sealedKey)
}

class AutoBackupTest {
    private val code = generateRecoveryCode()

    private fun restore(file: File): List<String> {
        val fresh = TestSupport.newVault()
        fresh.importFile(file.readBytes(), "nyckel", RecoverySetupFlow.recoverySecret(code.lowercase()), false, false)
        return fresh.accounts().map { it.issuer }.also { fresh.close() }
    }

    @Test
    fun `a backup is written after each change, only then, and restores with the recovery code`() {
        val vault = TestSupport.newVault()
        val dir = Files.createTempDirectory("nyckel-auto").toFile()
        val state = MemoryState(vault.autoBackupKey(code, kdfMinimum()))
        val backup = AutoBackup(AutoBackup.VaultPort(vault), AtomicBackupWriter(FileBackupFolder(dir), "nyckel-auto.json"), state)
        val file = File(dir, "nyckel-auto.json")

        assertEquals(AutoBackup.Outcome.Written(0), backup.sync())
        assertEquals(AutoBackup.Outcome.UpToDate, backup.sync())
        val added = vault.addUri("otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        assertEquals(AutoBackup.Outcome.Written(1), backup.sync())
        assertEquals(listOf("ACME"), restore(file))
        vault.updateAccount(added.account.id, AccountChanges("Region Skåne", null, null))
        assertEquals(AutoBackup.Outcome.Written(1), backup.sync())
        assertEquals(listOf("Region Skåne"), restore(file))
        vault.deleteAccount(added.account.id)
        assertEquals(AutoBackup.Outcome.Written(0), backup.sync())
        assertEquals(listOf("nyckel-auto.json"), dir.list()!!.toList(), "no temporary file left")
        vault.close()
    }

    @Test
    fun `the 1 s code refresh costs no fingerprint query, and every write is still backed up`() {
        val path = TestSupport.vaultPath()
        val vault = TestSupport.newVault(path)
        val hotp = vault.addUri("otpauth://hotp/WWE:Mason?secret=JBSWY3DPEHPK3PXP&counter=3").account.id
        vault.addUri("otpauth://totp/ACME:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME")
        val dir = Files.createTempDirectory("nyckel-auto").toFile()
        val state = MemoryState(vault.autoBackupKey(code, kdfMinimum()))
        val port = CountingPort(vault)
        val backup = AutoBackup(port, AtomicBackupWriter(FileBackupFolder(dir), "b.json"), state)
        assertEquals(AutoBackup.Outcome.Written(2), backup.sync())
        // The backup logged an activity entry (a write): one more query finds nothing new.
        assertEquals(AutoBackup.Outcome.UpToDate, backup.sync())
        val settled = port.fingerprints

        // What the account list does every second, each followed by a sync as the apps do.
        repeat(20) {
            vault.codes()
            assertEquals(AutoBackup.Outcome.UpToDate, backup.sync())
            vault.accounts()
            assertEquals(AutoBackup.Outcome.UpToDate, backup.sync())
        }
        assertEquals(settled, port.fingerprints, "reads write nothing: no fingerprint query")

        vault.nextHotpCode(hotp) // a counter step is a write
        assertEquals(AutoBackup.Outcome.Written(2), backup.sync())
        assertEquals(settled + 1, port.fingerprints)
        // A write by another vault object on the same file (another process) is seen too.
        val other = NyckelVault.open(path)
        other.unlockWithPassphrase("correct horse battery")
        other.addUri("otpauth://totp/Other:bo?secret=JBSWY3DPEHPK3PXQ&issuer=Other")
        assertEquals(AutoBackup.Outcome.Written(3), backup.sync())
        other.close()
        vault.close()
    }

    @Test
    fun `a failed write keeps the previous backup, is reported, and is tried again`() {
        val vault = TestSupport.newVault()
        vault.addUri("otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        val dir = Files.createTempDirectory("nyckel-auto").toFile()
        val folder = FlakyFolder(dir)
        val state = MemoryState(vault.autoBackupKey(code, kdfMinimum()))
        val backup = AutoBackup(AutoBackup.VaultPort(vault), AtomicBackupWriter(folder, "b.json"), state)
        backup.sync()
        val first = File(dir, "b.json").readBytes()
        vault.addUri("otpauth://totp/Second:bo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Second")

        folder.failOn = "write"
        assertIs<AutoBackup.Outcome.NotWritten>(backup.sync())
        assertContentEquals(first, File(dir, "b.json").readBytes(), "the previous backup is untouched")
        // A failure between the renames: the previous backup is kept aside and put back first.
        folder.failOn = "rename:b.json.new"
        assertIs<AutoBackup.Outcome.NotWritten>(backup.sync())
        assertFalse(File(dir, "b.json").exists())
        assertContentEquals(first, File(dir, "b.json.old").readBytes())
        assertEquals(AutoBackup.Outcome.Written(2), backup.sync(), "tried again at the next sync")
        assertEquals(listOf("ACME", "Second"), restore(File(dir, "b.json")).sorted())
        assertEquals(listOf("b.json"), dir.list()!!.toList())
        assertEquals(2, vault.accounts().size, "the vault is never touched")
        vault.close()
    }

    @Test
    fun `no key is off, and a key of another vault is refused by the library`() {
        val vault = TestSupport.newVault()
        val dir = Files.createTempDirectory("nyckel-auto").toFile()
        val writer = AtomicBackupWriter(FileBackupFolder(dir), "b.json")
        assertEquals(AutoBackup.Outcome.Off, AutoBackup(AutoBackup.VaultPort(vault), writer, MemoryState(null)).sync())
        val other = TestSupport.newVault()
        val foreign = MemoryState(other.autoBackupKey(code, kdfMinimum()))
        val refused = assertIs<AutoBackup.Outcome.Refused>(AutoBackup(AutoBackup.VaultPort(vault), writer, foreign).sync())
        assertEquals(ErrorKind.INVALID_INPUT, refused.error.kind())
        assertTrue(dir.list()!!.isEmpty())
        vault.close()
        other.close()
    }
}
