package app.nyckel

import app.nyckel.PhoneTransferImportFlow.MoveStatus
import app.nyckel.PhoneTransferImportFlow.Step
import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** A scripted library: records the calls and answers what the test set (the real library is in ApprovalsTest). */
private class FakeTransferPort : PhoneTransferPort {
    val calls = mutableListOf<String>()
    var exportError: NyckelException? = null
    var importError: NyckelException? = null
    var notAPackage = false
    var seenPackage: ByteArray? = null
    // A real key's shape, so the library's own parsing (transferKeyFromScan) accepts it.
    val qr = "nyckel-transfer://v1?key=ABCDEFGHIJKLMNOPQRST"
    val keyText = "ABCDE-FGHIJ-KLMNO-PQRST-123456"

    override fun exportTransfer(): PhoneTransferExport {
        calls += "export"
        exportError?.let { throw it }
        val ok = TransferOfferInfo(1, "anna at https://idp.example.se", true, 1_800_000_000, null)
        val refused = TransferOfferInfo(2, "bo at https://old.example.se", false, null,
            FetchFailure(2, ErrorKind.DEVICE_REVOKED, NextStep.ENROLL_AGAIN, "this phone was removed"))
        val leftOut = listOf(
            LeftOut("Bank (anna)", "its one-time-code secret is managed by the organisation, which did not send it for the new phone: re-enroll at Bank",
                LeftOutCause.ManagedOtpNotSent("Bank")),
            LeftOut("bo at https://old.example.se", "push approvals use keys bound to this device that are never exported: enroll the new phone again",
                LeftOutCause.DeviceBound(false)),
        )
        return PhoneTransferExport(byteArrayOf(7, 7, 7), qr, "123456", keyText, listOf(10, 11), listOf(ok, refused), leftOut)
    }

    override fun importTransfer(packageBytes: ByteArray, keyText: String, deviceName: String): PhoneTransferImport {
        calls += "import($keyText, $deviceName)"
        seenPackage = packageBytes.copyOf()
        importError?.let { throw it }
        return PhoneTransferImport(
            listOf(
                TransferMoveInfo("anna at A", 5, true, true, null, ManagedOtpInfo(12, "A (anna)", true)),
                TransferMoveInfo("bo at B", 6, true, false, TransferFailure(ErrorKind.USER_CANCELLED, NextStep.TRY_AGAIN, "cancelled")),
                TransferMoveInfo("cy at C", 7, false, null, TransferFailure(ErrorKind.PROVIDER_UNREACHABLE, NextStep.TRY_AGAIN, "offline")),
                TransferMoveInfo("di at D", null, false, null, TransferFailure(ErrorKind.INVALID_ENROLLMENT_CODE, NextStep.NEW_ENROLLMENT_CODE, "used")),
            ),
            2u, 1u, 0u,
        )
    }

    override fun inspectPackage(packageBytes: ByteArray) {
        calls += "inspect"
        if (notAPackage) throw NyckelException.InvalidInput("unrecognised file format")
    }
}

class PhoneTransferFlowTest {
    private val today = LocalDate.of(2026, 12, 5)

    @Test
    fun `the old phone goes idle, exporting, showing the key, done, and forgets the package`() {
        val port = FakeTransferPort()
        val seen = mutableListOf<String>()
        val flow = PhoneTransferExportFlow { seen += it.javaClass.simpleName }
        flow.start(port, today)
        assertEquals(listOf("Exporting", "ShowingKey"), seen)
        val showing = assertIs<PhoneTransferExportFlow.Step.ShowingKey>(flow.step)
        assertEquals("123456", showing.code)
        assertEquals(port.qr, showing.qrPayload)
        assertEquals("nyckel-flytt-2026-12-05.json", showing.fileName)
        assertEquals(2, showing.accounts)
        assertEquals(listOf(1L), showing.moving.map { it.enrollmentId })
        assertEquals(listOf(ErrorKind.DEVICE_REVOKED), showing.notMoving.map { it.failure?.kind })
        // What stays behind, in the library's order: the managed account to re-enroll, then the
        // refused enrollment with its provider's refusal.
        assertEquals(
            listOf(
                PhoneTransferExportFlow.LeftBehind("Bank (anna)",
                    "its one-time-code secret is managed by the organisation, which did not send it for the new phone: re-enroll at Bank",
                    LeftOutCause.ManagedOtpNotSent("Bank"), null),
                PhoneTransferExportFlow.LeftBehind("bo at https://old.example.se",
                    "push approvals use keys bound to this device that are never exported: enroll the new phone again",
                    LeftOutCause.DeviceBound(false), showing.notMoving.single().failure),
            ),
            showing.leftBehind,
        )
        assertFalse(showing.toString().contains("123456") || showing.toString().contains("ABCDE"), "no key in toString")
        assertFalse(showing.saved)

        flow.start(port, today) // a second tap
        assertEquals(listOf("export"), port.calls)
        flow.packageNotSaved(cancelled = false)
        assertTrue(flow.saveFailed)
        flow.packageSaved()
        assertFalse(flow.saveFailed)
        assertTrue(assertIs<PhoneTransferExportFlow.Step.ShowingKey>(flow.step).saved)
        flow.finish()
        assertEquals(PhoneTransferExportFlow.Step.Done(2, 1), flow.step)
        assertContentEquals(byteArrayOf(0, 0, 0), showing.packageBytes, "the package is wiped")
    }

    @Test
    fun `a refused enrollment that leftOut does not name still stays behind, with its refusal`() {
        val refused = TransferOfferInfo(2, "bo at B", false, null,
            FetchFailure(2, ErrorKind.PROVIDER_UNREACHABLE, NextStep.TRY_AGAIN, "the provider did not answer"))
        val out = PhoneTransferExport(byteArrayOf(1), "q", "123456", "k", listOf(), listOf(refused), listOf())
        assertEquals(
            listOf(PhoneTransferExportFlow.LeftBehind("bo at B", "the provider did not answer", null, refused.failure)),
            PhoneTransferExportFlow.leftBehind(out),
        )
        val nothing = PhoneTransferExport(byteArrayOf(1), "q", "123456", "k", listOf(1), listOf(), listOf())
        assertEquals(listOf(), PhoneTransferExportFlow.leftBehind(nothing))
    }

    @Test
    fun `a refused export is shown and can be tried again`() {
        val port = FakeTransferPort().apply { exportError = NyckelException.InvalidInput("there is nothing to transfer") }
        val flow = PhoneTransferExportFlow()
        flow.start(port, today)
        assertEquals(ErrorKind.INVALID_INPUT, assertIs<PhoneTransferExportFlow.Step.Failed>(flow.step).error.kind())
        port.exportError = null
        flow.start(port, today)
        assertIs<PhoneTransferExportFlow.Step.ShowingKey>(flow.step)
        flow.cancel()
        assertEquals(PhoneTransferExportFlow.Step.Idle, flow.step)
    }

    @Test
    fun `the new phone chooses, scans, types the code, imports and classifies each enrollment`() {
        val port = FakeTransferPort()
        val seen = mutableListOf<String>()
        val flow = PhoneTransferImportFlow("Nya telefonen") { seen += it.javaClass.simpleName }
        val bytes = byteArrayOf(1, 2, 3)
        flow.choosePackage(port, bytes)
        assertEquals(Step.Scanning, flow.step)
        flow.scanned("otpauth://totp/x?secret=AAAA")
        assertEquals(PhoneTransferImportFlow.Local.NOT_A_TRANSFER_CODE, flow.local)
        assertEquals(Step.Scanning, flow.step)
        flow.scanned(" ${port.qr} ")
        assertNull(flow.local)
        assertEquals(Step.EnterCode, flow.step)
        flow.scanned(port.qr) // a late frame: ignored
        flow.submitCode(port, "12345")
        assertEquals(ErrorKind.INVALID_INPUT, flow.error?.kind(), "not 6 digits: the library says so")
        assertEquals(Step.EnterCode, flow.step)
        assertFalse(port.calls.any { it.startsWith("import") })
        flow.submitCode(port, "123 456")
        assertEquals("import(${port.keyText}, Nya telefonen)", port.calls.last())
        assertContentEquals(byteArrayOf(1, 2, 3), port.seenPackage)
        assertContentEquals(byteArrayOf(0, 0, 0), bytes, "the package is wiped after the import")
        assertEquals(listOf("Scanning", "Scanning", "EnterCode", "EnterCode", "Importing", "Outcomes"), seen)
        val out = assertIs<Step.Outcomes>(flow.step)
        assertEquals(
            listOf(MoveStatus.MOVED, MoveStatus.PHONE_SIGNIN_OFF, MoveStatus.NOT_CONFIRMED, MoveStatus.NOT_MOVED),
            out.rows.map { it.status },
        )
        assertEquals(NextStep.NEW_ENROLLMENT_CODE, out.rows.last().failure?.nextStep)
        assertEquals(ManagedOtpInfo(12, "A (anna)", true), out.rows.first().managedOtp, "the re-delivered managed account is shown")
        assertEquals(listOf(null, null, null), out.rows.drop(1).map { it.managedOtp })
        assertEquals(listOf(2, 1, 0), listOf(out.accountsImported, out.accountsDuplicate, out.accountsFailed))
        assertFalse(out.allMoved)
        flow.submitCode(port, "123456") // a second tap after the import
        assertEquals(1, port.calls.count { it.startsWith("import") })
    }

    @Test
    fun `a wrong code goes back to the code, a plain backup back to choosing a file`() {
        val port = FakeTransferPort().apply { importError = NyckelException.WrongPassphrase() }
        val flow = PhoneTransferImportFlow("Nya")
        flow.choosePackage(port, byteArrayOf(1))
        flow.scanned(port.qr)
        flow.submitCode(port, "654321")
        assertEquals(Step.EnterCode, flow.step)
        assertEquals(ErrorKind.WRONG_PASSPHRASE, flow.error?.kind())
        port.importError = NyckelException.InvalidInput("this file is a Nyckel backup, not a transfer package")
        flow.submitCode(port, "123456")
        assertEquals(Step.ChoosePackage, flow.step)
        assertEquals(ErrorKind.INVALID_INPUT, flow.error?.kind())
        flow.submitCode(port, "123456") // the step is gone
        assertEquals(2, port.calls.count { it.startsWith("import") })
    }

    @Test
    fun `a file that is no Nyckel file is refused before any key is asked, and the key can be typed whole`() {
        val port = FakeTransferPort().apply { notAPackage = true }
        val flow = PhoneTransferImportFlow("Nya")
        val bytes = byteArrayOf(9, 9)
        flow.choosePackage(port, bytes)
        assertEquals(Step.ChoosePackage, flow.step)
        assertEquals(ErrorKind.INVALID_INPUT, flow.error?.kind())
        assertContentEquals(byteArrayOf(0, 0), bytes)
        port.notAPackage = false
        flow.choosePackage(port, byteArrayOf(1))
        flow.typeKeyInstead()
        assertEquals(Step.TypingKey, flow.step)
        port.importError = NyckelException.InvalidInput("that is not a transfer key")
        flow.submitKeyText(port, "nonsense")
        assertEquals(Step.TypingKey, flow.step, "a mistyped key stays on the key")
        port.importError = null
        flow.submitKeyText(port, port.keyText.lowercase())
        assertIs<Step.Outcomes>(flow.step)
        flow.reset()
        assertEquals(Step.ChoosePackage, flow.step)
        assertNull(flow.error)
    }

    @Test
    fun `the package is shared as an owner-only file that finish and cancel delete`() {
        val dir = java.nio.file.Files.createTempDirectory("nyckel-share").toFile().resolve("shared")
        val flow = PhoneTransferExportFlow()
        assertNull(flow.shareFile(dir), "nothing to share before the key is shown")
        flow.start(FakeTransferPort(), today)
        dir.mkdirs()
        val stale = java.io.File(dir, "nyckel-flytt-2026-12-01.json").apply { writeText("an earlier, killed run") }
        val other = java.io.File(dir, "photo.jpg").apply { writeText("not ours") }

        val file = assertNotNull(flow.shareFile(dir))
        assertEquals("nyckel-flytt-2026-12-05.json", file.name)
        assertContentEquals(byteArrayOf(7, 7, 7), file.readBytes())
        val mode = java.nio.file.Files.getPosixFilePermissions(file.toPath())
        assertEquals(setOf(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), mode)
        assertFalse(stale.exists(), "an earlier shared package is deleted")
        assertTrue(other.exists(), "nothing else is touched")
        assertEquals(file, flow.shareFile(dir), "sharing again writes it again")
        assertTrue(file.exists())

        flow.finish()
        assertFalse(file.exists(), "finish deletes the shared package")
        assertNull(flow.shareFile(dir))

        val again = PhoneTransferExportFlow()
        again.start(FakeTransferPort(), today)
        val second = assertNotNull(again.shareFile(dir))
        again.cancel()
        assertFalse(second.exists(), "cancel deletes it too")
        PhoneTransferExportFlow.clearShared(dir)
        assertEquals(listOf("photo.jpg"), dir.list()!!.toList())
    }
}
