package app.nyckel.app.logic

import app.nyckel.AutoBackup
import app.nyckel.BackupFolder
import app.nyckel.FileBackupFolder
import app.nyckel.NyckelException
import app.nyckel.app.logic.FirstRunFlow.Intent
import app.nyckel.app.logic.FirstRunFlow.Step
import java.io.File
import java.io.IOException
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Records what the offer asked; folders named in [withBackup] already hold one; [failWith] fails turning on. */
private class ScriptedBackups : FirstRunFlow.Backups {
    val calls = mutableListOf<String>()
    val withBackup = mutableSetOf<String>()
    var failWith: Problem? = null
    override fun hasBackup(folder: String) = folder in withBackup
    override fun turnOn(folder: String, folderName: String, secret: String): Problem? {
        calls += "turnOn($folder, $folderName, $secret)"
        return failWith
    }
}

class FirstRunFlowTest {
    private val backups = ScriptedBackups()
    private val code = "K7PQA-MX3DE-AAAAA-BBBBB-CCCCC-DDDDD"

    @Test
    fun `biometrics, then a recovery code, then the backup offer with that code, then done`() {
        val flow = FirstRunFlow(backups)
        assertEquals(Step.Welcome, flow.step)
        flow.vaultCreated(passphrase = null)
        assertEquals(Step.Recovery, flow.step, "a biometric vault gets a way back in first")
        flow.recoverySet(code)
        assertEquals(Step.BackupOffer(), flow.step)
        assertFalse(flow.toString().contains("K7PQA"), "no secret in toString: $flow")
        flow.chooseFolder("tree-1", "Nextcloud/Nyckel")
        assertEquals(listOf("turnOn(tree-1, Nextcloud/Nyckel, $code)"), backups.calls, "sealed with the code just set, not typed again")
        assertEquals(Step.Done("Nextcloud/Nyckel", noRecovery = false), flow.step)
        flow.skipBackups() // a late tap
        assertEquals(Step.Done("Nextcloud/Nyckel", noRecovery = false), flow.step)
    }

    @Test
    fun `a restore comes before any backup, and a folder holding a backup asks before replacing it`() {
        val flow = FirstRunFlow(backups)
        flow.choose(Intent.RESTORE)
        flow.vaultCreated(null)
        flow.recoverySet(code)
        assertEquals(Step.Restoring, flow.step)
        flow.chooseFolder("tree-1", "Drive") // no offer yet: nothing may be written before the restore
        assertEquals(Step.Restoring, flow.step)
        assertTrue(backups.calls.isEmpty())
        flow.transferLeft()
        assertEquals(Step.BackupOffer(), flow.step)

        backups.withBackup += "tree-1"
        flow.chooseFolder("tree-1", "Drive")
        assertEquals(Step.ConfirmReplace("Drive"), flow.step)
        assertTrue(backups.calls.isEmpty(), "the backup there is not replaced unasked")
        flow.chooseAnother()
        assertEquals(Step.BackupOffer(), flow.step)
        flow.replace() // a late tap
        assertTrue(backups.calls.isEmpty())
        flow.chooseFolder("tree-1", "Drive")
        flow.replace()
        assertEquals(listOf("turnOn(tree-1, Drive, $code)"), backups.calls)
        assertEquals(Step.Done("Drive", noRecovery = false), flow.step)
    }

    @Test
    fun `a passphrase vault needs no recovery step, its passphrase seals the backups after the move`() {
        val flow = FirstRunFlow(backups)
        flow.choose(Intent.MOVE_IN)
        flow.vaultCreated(passphrase = "lång lösenfras 2026")
        assertEquals(Step.MovingIn, flow.step)
        flow.recoverySet("other") // not asked: ignored
        flow.transferLeft()
        flow.chooseFolder("tree-2", "USB")
        assertEquals(listOf("turnOn(tree-2, USB, lång lösenfras 2026)"), backups.calls)
        assertEquals(Step.Done("USB", noRecovery = false), flow.step)
    }

    @Test
    fun `skipping the recovery setup means no backup offer, after a restore too`() {
        val fresh = FirstRunFlow(backups)
        fresh.vaultCreated(null)
        fresh.recoverySkipped()
        assertEquals(Step.Done(null, noRecovery = true), fresh.step)

        val restore = FirstRunFlow(backups)
        restore.choose(Intent.RESTORE)
        restore.vaultCreated(null)
        restore.recoverySkipped()
        assertEquals(Step.Restoring, restore.step, "the restore still opens")
        restore.transferLeft()
        assertEquals(Step.Done(null, noRecovery = true), restore.step)
        assertTrue(backups.calls.isEmpty())
    }

    @Test
    fun `a failed turn-on stays on the offer with the reason, and skipping ends without backups`() {
        val flow = FirstRunFlow(backups)
        flow.vaultCreated(null)
        flow.recoverySet(code)
        backups.failWith = Problem(Problem.Kind.BACKUP_NOT_SAVED, "no space")
        flow.chooseFolder("tree-1", "Full")
        assertEquals(Step.BackupOffer(Problem(Problem.Kind.BACKUP_NOT_SAVED, "no space")), flow.step)
        flow.skipBackups()
        assertEquals(Step.Done(null, noRecovery = false), flow.step)
    }

    @Test
    fun `the intent is fixed once the vault exists, and steps ignore calls that do not fit`() {
        val flow = FirstRunFlow(backups)
        flow.choose(Intent.RESTORE)
        flow.choose(Intent.FRESH)
        flow.recoverySet(code) // before the vault: ignored
        flow.transferLeft()
        assertEquals(Step.Welcome, flow.step)
        flow.vaultCreated(null)
        flow.choose(Intent.MOVE_IN)
        assertEquals(Intent.FRESH, flow.intent)
        flow.vaultCreated("again") // once only
        assertEquals(Step.Recovery, flow.step)
    }
}

/** The offer over the real settings logic: a scripted library, real files. */
class SettingsFirstRunBackupsTest {
    private val root = Files.createTempDirectory("nyckel-first-run").toFile()
    private var failing = false

    private val port = object : AutoBackupSettings.Port {
        override fun recoverySecret(typed: String): String {
            if (typed != "K7PQA-MX3DE") throw NyckelException.WrongPassphrase()
            return typed
        }
        override fun autoBackupKey(secret: String) = "sealed:$secret".toByteArray()
        override fun changeStamp() = "1"
        override fun fingerprint() = "v1"
        override fun backup(sealedKey: ByteArray) = "backup".toByteArray() to 3
    }

    private val store = object : AutoBackupSettings.Store {
        override var sealedKey: ByteArray? = null
        override var folder: String? = null
        override var folderName: String? = null
        override var lastFingerprint: String? = null
    }

    private fun folder(handle: String): BackupFolder {
        val real = FileBackupFolder(File(root, handle).apply { mkdirs() })
        return object : BackupFolder by real {
            override fun write(name: String, bytes: ByteArray) {
                if (failing) throw IOException("no space left")
                real.write(name, bytes)
            }
        }
    }

    private val settings = AutoBackupSettings(port, store, ::folder)
    private val backups = SettingsFirstRunBackups(settings, ::folder)

    @Test
    fun `turning on writes the first backup, and a folder with one is recognised`() {
        assertFalse(backups.hasBackup("tree-1"))
        assertNull(backups.turnOn("tree-1", "Nyckel", "K7PQA-MX3DE"))
        assertEquals(AutoBackupSettings.Step.On("Nyckel", AutoBackup.Outcome.Written(3)), settings.step)
        assertTrue(backups.hasBackup("tree-1"))
    }

    @Test
    fun `a first backup that cannot be written is reported and leaves backups off`() {
        failing = true
        val problem = backups.turnOn("tree-1", "Full", "K7PQA-MX3DE")
        assertEquals(Problem.Kind.BACKUP_NOT_SAVED, problem?.kind)
        assertEquals(AutoBackupSettings.Step.Off, settings.step)
        assertNull(store.sealedKey)
    }

    @Test
    fun `a secret the vault refuses is the settings' problem`() {
        val problem = backups.turnOn("tree-1", "Nyckel", "wrong")
        assertIs<Problem>(problem)
        assertEquals(Problem.Kind.WRONG_PASSPHRASE, problem.kind)
        assertFalse(File(File(root, "tree-1"), AutoBackupSettings.FILE_NAME).exists())
    }
}
