package app.nyckel.app.logic

import app.nyckel.AccountInfo
import app.nyckel.ExportPlan
import app.nyckel.HashAlgorithm
import app.nyckel.ImportEntry
import app.nyckel.ImportFileInfo
import app.nyckel.ImportOutcome
import app.nyckel.ImportSummary
import app.nyckel.LeftOut
import app.nyckel.LeftOutCause
import app.nyckel.NextStep
import app.nyckel.NyckelException
import app.nyckel.NyckelVault
import app.nyckel.OtpKind
import app.nyckel.TransferProgress
import app.nyckel.kdfMinimum
import app.nyckel.app.logic.ImportFlow.Step
import java.nio.file.Files
import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** A scripted library: records the calls, answers what the test set. */
private class FakePort : TransferPort {
    val calls = mutableListOf<String>()
    var encrypted = false
    var password = "right"
    var failed = 0u
    var fail: NyckelException? = null

    fun summary(dryRun: Boolean, keepGood: Boolean): ImportSummary {
        val committed = !dryRun && (failed == 0u || keepGood)
        val entries = listOf(
            ImportEntry(1u, "ACME (anna)", ImportOutcome.Imported(if (committed) 1L else null), emptyList()),
            ImportEntry(2u, "Old (x)", ImportOutcome.Duplicate(9L), emptyList()),
        ) + List(failed.toInt()) { ImportEntry(3u + it.toUInt(), "entry ${3 + it}", ImportOutcome.Failed("motp is not supported"), emptyList()) }
        return ImportSummary("aegis", committed, if (committed) 1u else 0u, 1u, 1u, failed, entries, emptyList())
    }

    override fun inspect(data: ByteArray, format: String?): ImportFileInfo {
        calls += "inspect($format)"
        fail?.let { throw it }
        return ImportFileInfo(format ?: "aegis", encrypted)
    }

    override fun importFile(data: ByteArray, format: String?, password: String?, dryRun: Boolean, keepGood: Boolean): ImportSummary {
        calls += "importFile($format, ${password != null}, dry=$dryRun, keep=$keepGood)"
        if (encrypted && password == null) throw NyckelException.InvalidInput("this Aegis file is encrypted; give its password")
        if (encrypted && password != this.password) throw NyckelException.WrongPassphrase()
        return summary(dryRun, keepGood)
    }

    override fun transferProgress(payloads: List<String>): TransferProgress {
        calls += "progress(${payloads.size})"
        if (payloads.any { "other" in it }) throw NyckelException.InvalidInput("Google Authenticator export: the QR codes belong to different exports")
        val scanned = payloads.map { it.substringAfter("batch=").toUInt() }.distinct().sorted()
        return TransferProgress(3u, scanned, (1u..3u).filter { it !in scanned }, scanned.size.toUInt())
    }

    override fun importTransfer(payloads: List<String>, dryRun: Boolean, keepGood: Boolean): ImportSummary {
        calls += "importTransfer(${payloads.size}, dry=$dryRun)"
        return summary(dryRun, keepGood).copy(format = "google-transfer")
    }

    override fun backupPlan(): ExportPlan {
        calls += "plan"
        fail?.let { throw it }
        return ExportPlan(listOf(account), listOf(LeftOut("anna at https://idp.example.se", "enroll the new phone again", LeftOutCause.DeviceBound(false))))
    }

    override fun backup(password: String): Backup {
        calls += "backup"
        return Backup(byteArrayOf(1, 2, 3), 1, backupPlan().leftOut)
    }

    val account = AccountInfo(1, OtpKind.TOTP, "ACME", "anna", HashAlgorithm.SHA1, 6u, 30u, 0u, "", 0, 0, 0)
}

class TransferFlowsTest {
    private fun code(batch: Int) = "otpauth-migration://offline?data=x&batch=$batch"

    @Test
    fun `a plain file goes straight to the preview and is imported only on confirm`() {
        val port = FakePort()
        val flow = ImportFlow()
        flow.chooseFile(port, byteArrayOf(1))
        val preview = assertIs<Step.Preview>(flow.step)
        assertFalse(preview.keepsGoodOnly)
        assertTrue(preview.canImport)
        assertEquals(listOf("inspect(null)", "importFile(null, false, dry=true, keep=false)"), port.calls)
        flow.confirm(port)
        assertEquals(1u, assertIs<Step.Done>(flow.step).summary.imported)
        assertEquals("importFile(null, false, dry=false, keep=false)", port.calls.last())
        assertNull(flow.problem)
    }

    @Test
    fun `an encrypted file asks for its password and a wrong one keeps asking`() {
        val port = FakePort().apply { encrypted = true }
        val flow = ImportFlow()
        flow.chooseFile(port, byteArrayOf(1))
        assertEquals(Step.Password("aegis"), flow.step)
        flow.submitPassword(port, "wrong")
        assertEquals(Step.Password("aegis"), flow.step)
        assertTrue(ImportFlow.isWrongPassword(flow.problem))
        assertEquals(NextStep.FIX_INPUT, flow.problem?.nextStep)
        flow.submitPassword(port, "right")
        assertIs<Step.Preview>(flow.step)
        assertNull(flow.problem)
        flow.confirm(port)
        assertEquals("importFile(null, true, dry=false, keep=false)", port.calls.last())
    }

    @Test
    fun `failed entries are shown and confirming adds the others`() {
        val port = FakePort().apply { failed = 2u }
        val flow = ImportFlow()
        flow.chooseFile(port, byteArrayOf(1))
        val preview = assertIs<Step.Preview>(flow.step)
        assertTrue(preview.keepsGoodOnly)
        assertEquals(listOf("motp is not supported", "motp is not supported"), preview.summary.entries.mapNotNull { (it.outcome as? ImportOutcome.Failed)?.reason })
        flow.confirm(port)
        assertEquals("importFile(null, false, dry=false, keep=true)", port.calls.last())
        assertTrue(assertIs<Step.Done>(flow.step).summary.committed)
    }

    @Test
    fun `a file the library cannot read stays on choose with its reason`() {
        val port = FakePort().apply { fail = NyckelException.InvalidInput("unrecognised file format: JSON of no known authenticator export") }
        val flow = ImportFlow()
        flow.chooseFile(port, byteArrayOf(1))
        assertEquals(Step.Choose, flow.step)
        assertEquals(Problem.Kind.INVALID_INPUT, flow.problem?.kind)
        assertTrue(flow.problem?.detail!!.contains("unrecognised"))
    }

    @Test
    fun `restoring fixes the format to a Nyckel backup`() {
        val port = FakePort().apply { encrypted = true }
        val flow = ImportFlow(format = ImportFlow.BACKUP_FORMAT)
        flow.chooseFile(port, byteArrayOf(1))
        assertEquals(Step.Password("nyckel"), flow.step)
        flow.submitPassword(port, "right")
        flow.confirm(port)
        assertEquals(listOf("inspect(nyckel)", "importFile(nyckel, true, dry=true, keep=false)", "importFile(nyckel, true, dry=false, keep=false)"), port.calls)
    }

    @Test
    fun `transfer codes are collected, a repeat ignored, a foreign one refused, and the last one previews`() {
        val port = FakePort()
        val flow = ImportFlow()
        flow.startScanning()
        assertEquals(Step.Scanning(null), flow.step)
        flow.scanned(port, code(2))
        assertEquals(listOf(1u, 3u), assertIs<Step.Scanning>(flow.step).progress?.missing)
        flow.scanned(port, " ${code(2)} ")
        assertEquals(1, port.calls.count { it.startsWith("progress") }) // a repeat asks nothing
        flow.scanned(port, "otpauth://totp/x?secret=AAAA")
        assertEquals(Problem.Kind.NOT_A_TRANSFER_CODE, flow.problem?.kind)
        flow.scanned(port, code(1) + "other")
        assertEquals(Problem.Kind.INVALID_INPUT, flow.problem?.kind)
        assertEquals(listOf(3u), run { flow.scanned(port, code(1)); assertIs<Step.Scanning>(flow.step).progress?.missing })
        assertNull(flow.problem)
        flow.scanned(port, code(3))
        assertEquals("google-transfer", assertIs<Step.Preview>(flow.step).summary.format)
        assertEquals("importTransfer(3, dry=true)", port.calls.last())
        flow.confirm(port)
        assertEquals("importTransfer(3, dry=false)", port.calls.last())
        val calls = port.calls.size
        flow.scanned(port, code(1)) // a late camera frame: ignored
        flow.confirm(port) // a second tap: ignored
        assertIs<Step.Done>(flow.step)
        assertEquals(calls, port.calls.size)
    }

    @Test
    fun `reset forgets the file`() {
        val port = FakePort().apply { encrypted = true }
        val flow = ImportFlow()
        flow.chooseFile(port, byteArrayOf(1))
        flow.reset()
        assertEquals(Step.Choose, flow.step)
        flow.submitPassword(port, "right") // the step is gone: nothing is read
        assertEquals(Step.Choose, flow.step)
        assertEquals(listOf("inspect(null)"), port.calls)
    }

    @Test
    fun `a backup shows what it leaves out, checks the password twice and names the file`() {
        val port = FakePort()
        val flow = BackupFlow()
        assertEquals(BackupFlow.Step.Loading, flow.step)
        flow.load(port)
        val ready = assertIs<BackupFlow.Step.Ready>(flow.step)
        assertEquals(listOf("anna at https://idp.example.se"), ready.plan.leftOut.map { it.label })
        assertEquals(BackupFlow.PasswordProblem.TOO_SHORT, BackupFlow.passwordProblem("short", "short"))
        assertEquals(BackupFlow.PasswordProblem.MISMATCH, BackupFlow.passwordProblem("long enough pw", "long enough pW"))
        assertNull(BackupFlow.passwordProblem("long enough pw", "long enough pw"))
        flow.create(port, "long enough pw", "different", LocalDate.of(2026, 12, 5))
        assertIs<BackupFlow.Step.Ready>(flow.step)
        assertFalse("backup" in port.calls)
        flow.create(port, "long enough pw", "long enough pw", LocalDate.of(2026, 12, 5))
        val save = assertIs<BackupFlow.Step.Save>(flow.step)
        assertEquals("nyckel-backup-2026-12-05.json", save.fileName)
        flow.saveFailed(cancelled = false)
        assertEquals(Problem.Kind.BACKUP_NOT_SAVED, flow.problem?.kind)
        flow.saveFailed(cancelled = true)
        assertNull(flow.problem)
        flow.saved()
        assertEquals(BackupFlow.Step.Done(1, 1), flow.step)
        assertContentEquals(byteArrayOf(0, 0, 0), save.backup.bytes) // wiped once saved
    }

    @Test
    fun `a locked vault while planning is shown through the classification`() {
        val port = FakePort().apply { fail = NyckelException.Locked() }
        val flow = BackupFlow()
        flow.load(port)
        assertEquals(Problem.Kind.LOCKED, flow.problem?.kind)
        assertEquals(NextStep.UNLOCK, flow.problem?.nextStep)
    }

    @Test
    fun `the flows over a real vault restore a backup by its secrets`() {
        val dir = Files.createTempDirectory("nyckel-app-logic")
        val old = NyckelVault.create(dir.resolve("old").toString(), "pw", kdfMinimum())
        old.addUri("otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        val backup = BackupFlow()
        backup.load(VaultTransferPort(old))
        backup.create(VaultTransferPort(old), "a long backup password", "a long backup password", LocalDate.of(2026, 12, 5))
        val bytes = assertIs<BackupFlow.Step.Save>(backup.step).backup.bytes.copyOf()

        val fresh = NyckelVault.create(dir.resolve("new").toString(), "pw", kdfMinimum())
        val restore = ImportFlow(ImportFlow.BACKUP_FORMAT)
        restore.chooseFile(VaultTransferPort(fresh), bytes)
        assertEquals(Step.Password("nyckel"), restore.step)
        restore.submitPassword(VaultTransferPort(fresh), "not it")
        assertTrue(ImportFlow.isWrongPassword(restore.problem))
        assertTrue(fresh.accounts().isEmpty())
        restore.submitPassword(VaultTransferPort(fresh), "a long backup password")
        restore.confirm(VaultTransferPort(fresh))
        assertEquals(1u, assertIs<Step.Done>(restore.step).summary.imported)
        assertEquals(old.codesAt(59).map { it.code.code }, fresh.codesAt(59).map { it.code.code })
        old.close()
        fresh.close()
    }
}

class RecoveryCodeRestoreTest {
    @Test
    fun `a backup sealed with the recovery code restores with the code typed loosely`() {
        val dir = Files.createTempDirectory("nyckel-app-logic")
        val old = NyckelVault.create(dir.resolve("old").toString(), "pw", kdfMinimum())
        old.addUri("otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        val code = app.nyckel.generateRecoveryCode()
        val bytes = old.export(app.nyckel.ExportFormat.NYCKEL, code, kdfMinimum()).use { it.bytes() }
        val fresh = NyckelVault.create(dir.resolve("new").toString(), "pw", kdfMinimum())
        val restore = ImportFlow(ImportFlow.BACKUP_FORMAT)
        restore.chooseFile(VaultTransferPort(fresh), bytes)
        restore.submitPassword(VaultTransferPort(fresh), code.lowercase().replace("-", " "))
        restore.confirm(VaultTransferPort(fresh))
        assertEquals(1u, assertIs<Step.Done>(restore.step).summary.imported, "${restore.problem}")
        old.close()
        fresh.close()
    }
}

class BoundedReadTest {
    @Test
    fun `a file up to the limit is read whole and a larger one refused`() {
        val bytes = ByteArray(200_000) { it.toByte() }
        assertContentEquals(bytes, BoundedRead.read(bytes.inputStream(), max = 200_000))
        assertFailsWith<java.io.IOException> { BoundedRead.read(bytes.inputStream(), max = 199_999) }
        assertContentEquals(ByteArray(0), BoundedRead.read(ByteArray(0).inputStream()))
    }
}
