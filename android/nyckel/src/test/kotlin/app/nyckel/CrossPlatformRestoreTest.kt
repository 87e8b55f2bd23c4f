package app.nyckel

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue

/**
 * iOS → Android (docs/recovery.md §5): restores on the JVM the automatic backup NyckelKit wrote
 * in the Swift suite (`CrossPlatformBackupTests.testAnAutomaticBackupForTheKotlinSuiteToRestore`,
 * through AutoBackup and AtomicBackupWriter) with its recovery code typed as a user would, and
 * finds every account, counter and note its manifest lists. `cargo xtask test` runs this class
 * alone in its "Cross-platform" suite, after the Swift suite, with NYCKEL_FROM_SWIFT set: then a
 * missing file fails. In the Kotlin suite (which runs before the Swift one) the variable is unset
 * and the test is skipped, visibly.
 */
class CrossPlatformRestoreTest {
    @Test
    fun `an automatic backup written by NyckelKit restores here`() {
        val dir = System.getenv("NYCKEL_FROM_SWIFT")?.let(::File)
        if (dir == null) System.err.println("SKIPPED: NYCKEL_FROM_SWIFT not set (CrossPlatformRestoreTest; run by cargo xtask test swift cross-platform)")
        assumeTrue(dir != null, "NYCKEL_FROM_SWIFT not set")
        val manifestFile = File(dir, "manifest.txt")
        val backupFile = File(dir, "nyckel-auto.json")
        assertTrue(manifestFile.isFile && backupFile.isFile, "the Swift suite left no backup in $dir")

        val manifest = manifestFile.readLines().filter { it.isNotEmpty() }
        val code = manifest.first()
        val expected = manifest.drop(1)
        assertEquals(4, expected.size, "the Swift side listed its accounts")

        val backup = backupFile.readBytes()
        assertEquals("nyckel", inspectImportFile(backup).format)
        val vault = TestSupport.newVault()
        // Typed as a user would: lower case, spaces between the groups.
        val typed = code.lowercase().replace("-", " ")
        val summary = vault.importFile(backup, "nyckel", RecoverySetupFlow.recoverySecret(typed), false, false)
        assertEquals(listOf(expected.size.toUInt(), 0u), listOf(summary.imported, summary.failed))
        val restored = vault.accounts().map { "${vault.exportUri(it.id, ExportVia.URI)}\t${it.note}" }.sorted()
        assertEquals(expected, restored)
        vault.close()
    }
}
