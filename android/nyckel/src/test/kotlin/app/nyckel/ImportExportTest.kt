package app.nyckel

import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.nio.file.Files
import kotlin.test.assertFailsWith

/** Import from files and transfer QR codes, export and backup, through the FFI. */
class ImportExportTest {
    /** The secret of every account, with its title, sorted: what a round trip must keep. */
    private fun secretsOf(vault: NyckelVault): List<String> = vault.accounts().map { a ->
        val uri = vault.exportUri(a.id, ExportVia.URI)
        "${a.issuer}|${a.name}|" + Regex("secret=([A-Z2-7]+)").find(uri)!!.groupValues[1]
    }.sorted()

    private fun uri(i: Int) = TestSupport.totpUri(SECRETS[i], issuer = "Issuer$i", name = "user$i")

    @Test
    fun importFromAFileWithPerEntryOutcomesDryRunFirst() {
        val vault = TestSupport.newVault()
        val file = "# my codes\n\n${uri(0)}\n${uri(1)}\nnot a uri\n".toByteArray()
        val info = inspectImportFile(file)
        assertEquals("otpauth", info.format)
        assertFalse(info.encrypted)

        val dry = vault.importFile(file, dryRun = true)
        assertEquals(listOf(false, 0u, 2u, 1u), listOf(dry.committed, dry.imported, dry.wouldImport, dry.failed))
        assertEquals(ImportOutcome.Imported(null), dry.entries[0].outcome)
        assertTrue((dry.entries[2].outcome as ImportOutcome.Failed).reason.isNotBlank())
        assertTrue(vault.accounts().isEmpty())

        // One failed entry: nothing is added unless the good ones are kept.
        assertFalse(vault.importFile(file).committed)
        assertTrue(vault.accounts().isEmpty())
        val kept = vault.importFile(file, keepGood = true)
        assertEquals(2u, kept.imported)
        val ids = vault.accounts().map { it.id }
        assertEquals(ImportOutcome.Imported(ids[0]), kept.entries[0].outcome)

        val again = vault.importFile(file, format = "otpauth", keepGood = true)
        assertEquals(2u, again.duplicates)
        assertEquals(ImportOutcome.Duplicate(ids[1]), again.entries[1].outcome)
        assertFailsWith<NyckelException.InvalidInput> { vault.importFile("hello".toByteArray()) }
        assertFailsWith<NyckelException.InvalidInput> { vault.importFile(file, format = "no-such-format") }
        assertTrue("aegis" in importFormatNames())
    }

    @Test
    fun realExportFilesOfOtherAppsImportToTheirGroundTruth() {
        val dir = fixtures()
        for ((file, password, count) in FIXTURES) {
            val data = File(dir, file).readBytes()
            assertEquals(password != null, inspectImportFile(data).encrypted, file)
            TestSupport.newVault().use { vault ->
                val summary = vault.importFile(data, password = password)
                assertEquals(listOf(count.toUInt(), 0u, true), listOf(summary.imported, summary.failed, summary.committed), file)
                for (s in secretsOf(vault)) assertTrue(s.substringAfterLast('|') in TRUTH_SECRETS, "$file: $s")
                vault.closeVault()
            }
        }
        // A wrong password is typed and adds nothing.
        TestSupport.newVault().use { vault ->
            val data = File(dir, "aegis_encrypted.json").readBytes()
            assertFailsWith<NyckelException.WrongPassphrase> { vault.importFile(data, password = "not test") }
            assertTrue(vault.accounts().isEmpty())
            vault.closeVault()
        }
    }

    @Test
    fun aSequenceOfTransferQrCodesImportsAndAMissingOneIsNamed() {
        val vault = TestSupport.newVault()
        for (i in 0 until 10) vault.addUri(uri(i))
        vault.addUri("otpauth://steam/Steam:s?secret=${TestSupport.randomSecret()}")
        val plan = vault.exportPlan(ExportFormat.GOOGLE_QR)
        assertEquals(10, plan.accounts.size)
        assertEquals(listOf("Steam (s)"), plan.leftOut.map { it.label })
        val out = vault.export(ExportFormat.GOOGLE_QR)
        assertEquals(2, out.qrPayloads().size)
        assertEquals(plan.leftOut, out.leftOut())

        val scanned = mutableListOf(out.qrPayloads()[1])
        val progress = googleTransferProgress(scanned)
        assertEquals(TransferProgress(total = 2u, scanned = listOf(2u), missing = listOf(1u), accounts = 2u), progress)
        val fresh = TestSupport.newVault()
        val missing = assertFailsWith<NyckelException.InvalidInput> { fresh.importGoogleTransfer(scanned) }
        assertTrue(missing.reason.contains("batch 1 of 2 missing"), missing.reason)
        assertEquals(NextStep.FIX_INPUT, missing.nextStep())
        assertTrue(fresh.accounts().isEmpty())
        assertFailsWith<NyckelException.InvalidInput> { googleTransferProgress(listOf("otpauth://totp/x?secret=AA")) }

        scanned += out.qrPayloads()[0]
        assertTrue(googleTransferProgress(scanned).missing.isEmpty())
        val summary = fresh.importGoogleTransfer(scanned)
        assertEquals("google-transfer", summary.format)
        assertEquals(10u, summary.imported)
        assertEquals(secretsOf(vault).filterNot { it.startsWith("Steam") }, secretsOf(fresh))
    }

    @Test
    fun backupToAFileAndRestoreIntoANewVaultByTheSecret() {
        val vault = TestSupport.newVault()
        for (i in 0 until 3) vault.addUri(uri(i))
        vault.addUri("otpauth://hotp/H:h?secret=${SECRETS[9]}&counter=42")
        assertFailsWith<NyckelException.InvalidInput> { vault.export(ExportFormat.NYCKEL, kdf = kdfMinimum()) }
        val backup = vault.export(ExportFormat.NYCKEL, password = "backup pässword", kdf = kdfMinimum())
        assertEquals(4, backup.exportedAccountIds().size)
        assertTrue(backup.leftOut().isEmpty())
        assertFalse(backup.toString().contains(SECRETS[0])) // an object: its text is never the content
        assertTrue(vault.activity(1u).single().event.let { it is ActivityEvent.Exported && it.format == "export:nyckel" })
        val file = Files.createTempFile("nyckel-backup", ".json").toFile()
        file.writeBytes(backup.bytes())

        val fresh = TestSupport.newVault()
        val info = inspectImportFile(file.readBytes())
        assertEquals("nyckel", info.format)
        assertTrue(info.encrypted)
        val restored = fresh.importFile(file.readBytes(), format = "nyckel", password = "backup pässword")
        assertEquals(4u, restored.imported)
        assertEquals(secretsOf(vault), secretsOf(fresh))
        assertEquals(42uL, fresh.accounts().single { it.issuer == "H" }.counter)
        assertEquals(vault.codesAt(59).map { it.code.code }, fresh.codesAt(59).map { it.code.code })
        file.delete()
    }

    @Test
    fun aWrongBackupPasswordIsTypedAndChangesNothing() {
        val vault = TestSupport.newVault()
        vault.addUri(uri(0))
        val backup = vault.export(ExportFormat.NYCKEL, password = "right", kdf = kdfMinimum()).bytes()
        val fresh = TestSupport.newVault()
        fresh.addUri(uri(5))
        val before = fresh.accounts() to fresh.activity(100u)
        val e = assertFailsWith<NyckelException.WrongPassphrase> { fresh.importFile(backup, password = "wrong") }
        assertEquals(ErrorKind.WRONG_PASSPHRASE, e.kind())
        assertFailsWith<NyckelException.InvalidInput> { fresh.importFile(backup) } // password required
        val tampered = backup.copyOf().also { it[it.size - 10] = (it[it.size - 10].toInt() xor 1).toByte() }
        val t = assertFailsWith<NyckelException> { fresh.importFile(tampered, password = "right") }
        assertTrue(t.kind() == ErrorKind.INVALID_INPUT || t.kind() == ErrorKind.WRONG_PASSPHRASE, t.toString())
        assertEquals(before, fresh.accounts() to fresh.activity(100u))
        fresh.lock()
        assertFailsWith<NyckelException.Locked> { fresh.importFile(backup, password = "right") }
    }

    @Test
    fun everyFileFormatRoundTrips() {
        val vault = TestSupport.newVault()
        for (i in 0 until 3) vault.addUri(uri(i))
        for (format in listOf(ExportFormat.AEGIS, ExportFormat.AEGIS_ENCRYPTED, ExportFormat.OTPAUTH)) {
            val out = vault.export(format, password = "pw")
            val fresh = TestSupport.newVault()
            assertEquals(3u, fresh.importFile(out.bytes(), password = "pw").imported, format.toString())
            assertEquals(secretsOf(vault), secretsOf(fresh), format.toString())
        }
    }

    companion object {
        /** Distinct base32 secrets. */
        val SECRETS = List(10) { TestSupport.randomSecret() }

        /** The ground truth of ../shared/fixtures/import/aegis-testdata/README.md, by secret. */
        val TRUTH_SECRETS = setOf(
            "4SJHB4GSD43FZBAI7C2HLRJGPQ", "5OM4WOOGPLQEF6UGN3CPEOOLWU", "7ELGJSGXNCCTV3O6LKJWYFV2RA",
            "YOOMIXWS5GN6RTBPUFFWKTW5M4", "KUVJJOM753IHTNDSZVCNKL7GII", "5VAML3X35THCEBVRLV24CGBKOY",
            "JRZCL47CMXVOQMNPZR2F7J4RGI",
        )

        /** File, password, accounts (the README's per-app differences). */
        val FIXTURES = listOf(
            Triple("plain.txt", null, 7),
            Triple("aegis_plain.json", null, 7),
            Triple("aegis_encrypted.json", "test", 7),
            Triple("2fas_authenticator_plain.2fas", null, 4),
            Triple("2fas_authenticator_encrypted.2fas", "test", 4),
            Triple("2fas_authenticator_plain_v4.2fas", null, 5),
            Triple("2fas_authenticator_encrypted_v4.2fas", "test", 5),
            Triple("bitwarden.json", null, 4),
            Triple("bitwarden.csv", null, 4),
            Triple("proton_authenticator.json", null, 3),
            Triple("ente_auth.txt", null, 7),
            Triple("freeotp_plus.json", null, 6),
            Triple("andotp_plain.json", null, 7),
            Triple("steam.json", null, 1),
            Triple("google_authenticator.sqlite", null, 6),
            Triple("microsoft_authenticator.sqlite", null, 7),
        )

        /**
         * ../shared/fixtures/import/aegis-testdata, passed by the test runner in
         * NYCKEL_IMPORT_FIXTURES when it exists; otherwise the test is skipped, visibly.
         */
        fun fixtures(): File {
            val dir = System.getenv("NYCKEL_IMPORT_FIXTURES")?.let(::File)
            if (dir == null || !dir.isDirectory) {
                System.err.println("SKIPPED: ../shared/fixtures/import/aegis-testdata not found (ImportExportTest real files)")
            }
            assumeTrue(dir != null && dir.isDirectory, "../shared/fixtures/import/aegis-testdata not found")
            return dir!!
        }
    }
}
