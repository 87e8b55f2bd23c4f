package app.nyckel

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import org.junit.jupiter.api.Assumptions.assumeTrue

/**
 * The Android half of "a backup restores on either platform" (docs/recovery.md §5): this
 * library writes an automatic backup the way the app does (AutoBackup, AtomicBackupWriter over
 * a folder, the key from a recovery code) into NYCKEL_CROSS_PLATFORM_OUT, with a manifest of
 * what it holds; NyckelKit's `CrossPlatformBackupTests` restores it in the Swift suite, which
 * `cargo xtask test` runs after this one. Skipped, visibly, without the variable.
 */
class CrossPlatformBackupTest {
    @Test
    fun `an automatic backup for the Swift suite to restore`() {
        val out = System.getenv("NYCKEL_CROSS_PLATFORM_OUT")?.let(::File)
        if (out == null) System.err.println("SKIPPED: NYCKEL_CROSS_PLATFORM_OUT not set (CrossPlatformBackupTest; run by cargo xtask test kotlin)")
        assumeTrue(out != null, "NYCKEL_CROSS_PLATFORM_OUT not set")
        out!!.mkdirs()

        val vault = TestSupport.newVault()
        val code = generateRecoveryCode()
        val accounts = listOf(
            "otpauth://totp/Region%20Sk%C3%A5ne:anna?secret=${TestSupport.randomSecret()}&issuer=Region%20Sk%C3%A5ne",
            "otpauth://hotp/WWE:Mason?secret=${TestSupport.randomSecret()}&algorithm=SHA512&digits=8&counter=10300",
            "otpauth://steam/Steam:sophia?secret=${TestSupport.randomSecret()}",
            "otpauth://totp/SPDX:james?secret=${TestSupport.randomSecret()}&algorithm=SHA256&digits=7&period=20",
        ).map { vault.addUri(it).account }
        vault.updateAccount(accounts[0].id, AccountChanges(null, null, "kommunens konto – åäö"))
        vault.nextHotpCode(accounts[1].id) // the backup carries the counter as it is now

        val state = object : AutoBackup.State {
            override val sealedKey = vault.autoBackupKey(code, kdfMinimum())
            override var lastFingerprint: String? = null
        }
        val backup = AutoBackup(AutoBackup.VaultPort(vault), AtomicBackupWriter(FileBackupFolder(out), BACKUP), state)
        assertEquals(AutoBackup.Outcome.Written(accounts.size), backup.sync())

        // What the Swift side must find: every account as the core's canonical URI, with its note.
        val expected = vault.accounts().map { "${vault.exportUri(it.id, ExportVia.URI)}\t${it.note}" }.sorted()
        File(out, MANIFEST).writeText((listOf(code) + expected).joinToString("\n", postfix = "\n"))
        vault.close()
    }

    companion object {
        /** The backup file, as the app names it. */
        const val BACKUP = "nyckel-auto.json"
        /** The recovery code on its first line, then one "uri<TAB>note" line per account. */
        const val MANIFEST = "manifest.txt"
    }
}
