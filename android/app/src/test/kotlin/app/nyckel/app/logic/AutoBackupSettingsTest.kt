package app.nyckel.app.logic

import app.nyckel.AutoBackup
import app.nyckel.BackupFolder
import app.nyckel.FileBackupFolder
import app.nyckel.NyckelException
import java.io.File
import java.io.IOException
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** A scripted library: the "vault" is a version number; each backup is its bytes. */
private class FakeBackupPort : AutoBackupSettings.Port {
    /** The content; [writes] the core's change stamp (a content change is a write). */
    var version = 1
        set(value) { field = value; writes++ }
    var writes = 0
    var fingerprints = 0
    val calls = mutableListOf<String>()
    override fun recoverySecret(typed: String): String {
        calls += "check"
        val secret = typed.uppercase().replace(" ", "-")
        if (secret != "K7PQA-MX3DE") throw NyckelException.WrongPassphrase()
        return secret
    }
    override fun autoBackupKey(secret: String): ByteArray {
        calls += "key($secret)"
        return "sealed:$secret".toByteArray()
    }
    override fun changeStamp() = "w$writes"
    override fun fingerprint() = "v$version".also { fingerprints++ }
    override fun backup(sealedKey: ByteArray): Pair<ByteArray, Int> {
        writes++ // the backup's activity entry
        calls += "backup(${String(sealedKey)})"
        return "backup v$version".toByteArray() to version
    }
}

private class MemoryBackupStore : AutoBackupSettings.Store {
    override var sealedKey: ByteArray? = null
    override var folder: String? = null
    override var folderName: String? = null
    override var lastFingerprint: String? = null
}

/** Folders by handle, one of which fails its writes while [failing]. */
private class TestFolders(private val root: File) {
    var failing = false
    fun open(handle: String): BackupFolder {
        val real = FileBackupFolder(File(root, handle).apply { mkdirs() })
        return object : BackupFolder by real {
            override fun write(name: String, bytes: ByteArray) {
                if (failing) throw IOException("the folder is gone")
                real.write(name, bytes)
            }
        }
    }
}

class AutoBackupSettingsTest {
    private val root = Files.createTempDirectory("nyckel-auto-settings").toFile()
    private val port = FakeBackupPort()
    private val store = MemoryBackupStore()
    private val folders = TestFolders(root)
    private fun settings() = AutoBackupSettings(port, store, folders::open)
    private fun file(handle: String) = File(File(root, handle), AutoBackupSettings.FILE_NAME)

    @Test
    fun `turning on checks the recovery secret, keeps the key and writes the first backup at once`() {
        val s = settings()
        assertEquals(AutoBackupSettings.Step.Off, s.step)
        assertEquals(AutoBackup.Outcome.Off, s.sync(), "nothing is written while off")

        s.turnOn("tree-1", "Nextcloud/Nyckel", "k7pqa mx3de")
        assertEquals(AutoBackupSettings.Step.On("Nextcloud/Nyckel", AutoBackup.Outcome.Written(1)), s.step)
        assertEquals(listOf("check", "key(K7PQA-MX3DE)", "backup(sealed:K7PQA-MX3DE)"), port.calls)
        assertContentEquals("backup v1".toByteArray(), file("tree-1").readBytes())
        assertEquals("v1", store.lastFingerprint)
        // The app restarts: the kept state says it is on.
        assertEquals(AutoBackupSettings.Step.On("Nextcloud/Nyckel", null), settings().step)
    }

    @Test
    fun `a secret that does not open the vault is refused and nothing is kept`() {
        val s = settings()
        s.turnOn("tree-1", "Nyckel", "K7PQA-MX3DF")
        assertEquals(Problem.Kind.WRONG_PASSPHRASE, s.problem?.kind)
        assertEquals(AutoBackupSettings.Step.Off, s.step)
        assertNull(store.sealedKey)
        assertNull(store.folder)
        assertEquals(listOf("check"), port.calls, "no key derived from a typo")
        assertFalse(file("tree-1").exists())
    }

    @Test
    fun `sync writes only after a change, reports a lost folder and tries again`() {
        val s = settings()
        s.turnOn("tree-1", "Nyckel", "K7PQA-MX3DE")
        assertEquals(AutoBackup.Outcome.UpToDate, s.sync())
        assertEquals(AutoBackupSettings.Step.On("Nyckel", AutoBackup.Outcome.Written(1)), s.step, "the last real outcome stays")

        port.version = 2
        folders.failing = true
        val failed = s.sync()
        assertIs<AutoBackup.Outcome.NotWritten>(failed)
        assertEquals(AutoBackupSettings.Step.On("Nyckel", failed), s.step)
        assertContentEquals("backup v1".toByteArray(), file("tree-1").readBytes(), "the previous backup stays")

        folders.failing = false
        assertEquals(AutoBackup.Outcome.Written(2), s.sync())
        assertContentEquals("backup v2".toByteArray(), file("tree-1").readBytes())
    }

    @Test
    fun `syncing after every call asks for the fingerprint only after a write`() {
        val s = settings()
        s.turnOn("tree-1", "Nyckel", "K7PQA-MX3DE")
        assertEquals(AutoBackup.Outcome.UpToDate, s.sync()) // sees the backup's own log entry once
        val settled = port.fingerprints
        repeat(30) { assertEquals(AutoBackup.Outcome.UpToDate, s.sync()) } // the code refresh, each second
        assertEquals(settled, port.fingerprints)

        port.writes++ // a write that changes no account (an activity entry)
        assertEquals(AutoBackup.Outcome.UpToDate, s.sync())
        assertEquals(settled + 1, port.fingerprints, "checked once, nothing to write")
        port.version = 2
        assertEquals(AutoBackup.Outcome.Written(2), s.sync())
        assertContentEquals("backup v2".toByteArray(), file("tree-1").readBytes())

        // Another folder (the same stamp): written there at once, never skipped as "seen".
        s.turnOn("tree-2", "New", "K7PQA-MX3DE")
        assertContentEquals("backup v2".toByteArray(), file("tree-2").readBytes())
    }

    @Test
    fun `choosing another folder writes a backup there at once, and turning off forgets the key`() {
        val s = settings()
        s.turnOn("tree-1", "Old", "K7PQA-MX3DE")
        s.turnOn("tree-2", "New", "K7PQA-MX3DE")
        assertEquals(AutoBackupSettings.Step.On("New", AutoBackup.Outcome.Written(1)), s.step)
        assertTrue(file("tree-2").exists(), "the new folder has a backup although nothing changed")

        s.turnOff()
        assertEquals(AutoBackupSettings.Step.Off, s.step)
        assertNull(store.sealedKey)
        assertNull(store.lastFingerprint)
        port.version = 3
        assertEquals(AutoBackup.Outcome.Off, s.sync())
        assertContentEquals("backup v1".toByteArray(), file("tree-2").readBytes(), "the last file stays")
    }
}
