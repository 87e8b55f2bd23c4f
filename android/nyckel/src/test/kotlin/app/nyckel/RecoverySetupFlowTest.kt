package app.nyckel

import app.nyckel.RecoverySetupFlow.Local
import app.nyckel.RecoverySetupFlow.Step
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

class RecoverySetupFlowTest {
    @Test
    fun `a generated code is typed back, checked by group, and then opens the vault and a backup`() {
        val vault = TestSupport.newVault()
        vault.addUri("otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        val flow = RecoverySetupFlow { vault.setPassphrase(it, kdfMinimum()) }
        flow.chooseCode()
        val code = assertIs<Step.ShowCode>(flow.step).code
        assertFalse(flow.step.toString().contains(code.substring(0, 5)))
        flow.codeWrittenDown()
        assertEquals(Step.ConfirmCode, flow.step)

        val typo = code.toCharArray().also { it[13] = if (it[13] == 'A') 'B' else 'A' }.concatToString()
        flow.confirmCode(typo)
        assertEquals(ErrorKind.INVALID_INPUT, flow.error?.kind())
        assertTrue(flow.error?.detail().orEmpty().contains("group 3"), flow.error?.detail())
        assertEquals(Step.ConfirmCode, flow.step)
        flow.confirmCode(generateRecoveryCode()) // a valid code, but not the one shown
        assertEquals(Local.NOT_THE_CODE_SHOWN, flow.local)
        flow.confirmCode(code.lowercase().replace("-", " "))
        assertEquals(Step.Done(byCode = true), flow.step)
        assertNull(flow.error)

        // The vault opens with the code as a user types it on the lock screen.
        vault.lock()
        vault.unlockWithPassphrase(RecoverySetupFlow.recoverySecret(code.lowercase().replace("-", "")))
        // A backup sealed with the code restores in a new vault with the code typed loosely.
        val backup = vault.export(ExportFormat.NYCKEL, code, kdfMinimum()).use { it.bytes() }
        val fresh = TestSupport.newVault()
        val typed = RecoverySetupFlow.recoverySecret(code.replace("-", "  ").lowercase())
        assertEquals(1u, fresh.importFile(backup, "nyckel", typed, false, false).imported)
        vault.close()
        fresh.close()
    }

    @Test
    fun `a passphrase is typed twice and long enough, skipping and going back`() {
        val set = mutableListOf<String>()
        val flow = RecoverySetupFlow { set += it }
        flow.choosePassphrase()
        flow.submitPassphrase("short", "short")
        assertEquals(Local.TOO_SHORT, flow.local)
        flow.submitPassphrase("long enough here", "long enough HERE")
        assertEquals(Local.MISMATCH, flow.local)
        assertTrue(set.isEmpty())
        flow.submitPassphrase("long enough here", "long enough here")
        assertEquals(Step.Done(byCode = false), flow.step)
        assertEquals(listOf("long enough here"), set)
        assertEquals("long enough here", RecoverySetupFlow.recoverySecret("long enough here"), "a passphrase stays as typed")

        val other = RecoverySetupFlow { set += it }
        other.chooseCode()
        other.back()
        assertEquals(Step.Choose, other.step)
        other.skip()
        assertEquals(Step.Skipped, other.step)
        other.chooseCode() // not from Skipped
        assertEquals(Step.Skipped, other.step)
    }

    @Test
    fun `a failure to set the passphrase keeps the step and says why`() {
        val flow = RecoverySetupFlow { throw NyckelException.Locked() }
        flow.choosePassphrase()
        flow.submitPassphrase("long enough here", "long enough here")
        assertEquals(Step.Passphrase, flow.step)
        assertEquals(ErrorKind.LOCKED, flow.error?.kind())
    }
}
