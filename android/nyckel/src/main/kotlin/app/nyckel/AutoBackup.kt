package app.nyckel

import java.io.File
import java.io.IOException

/**
 * Automatic encrypted backups (docs/recovery.md §5): after a vault change, the Nyckel backup
 * sealed with the kept key (`autoBackupKey`, from the recovery passphrase or code) is written
 * to the place the user chose. The vault is only read; a failed write is reported and tried
 * again at the next [sync], and the previous backup stays until the new one is in place.
 * Plain Kotlin/JVM; NyckelKit has the same policy (`AutoBackup.swift`). [sync] blocks (SQLite,
 * AES, file I/O): call it off the main thread, for example after every vault call and on unlock.
 *
 * Cheap when nothing was written: [sync] first asks the core's change stamp (`changeStamp`: a
 * pragma and a counter, no row read) and reads the content fingerprint only when the stamp
 * moved since this object last found the backup up to date. So keep one [AutoBackup] and call
 * [sync] after every call, the 1 s code refresh included: a refresh writes nothing. [writer] is
 * asked for only when a backup is written (the folder's handle may change meanwhile).
 */
class AutoBackup(private val port: Port, private val writer: () -> AtomicBackupWriter, private val state: State) {
    /** With a fixed writer. */
    constructor(port: Port, writer: AtomicBackupWriter, state: State) : this(port, { writer }, state)

    /** The library calls the policy makes. */
    interface Port {
        /** The core's stamp of the vault file's state: equal stamps, nothing was written between them. */
        fun changeStamp(): String
        fun fingerprint(): String
        /** The backup sealed with [sealedKey]: its bytes and how many accounts it holds. */
        fun backup(sealedKey: ByteArray): Pair<ByteArray, Int>
    }

    /** Where the app keeps the sealed key and the fingerprint of the last written backup. */
    interface State {
        val sealedKey: ByteArray?
        var lastFingerprint: String?
    }

    /** [NyckelVault] as the port. */
    class VaultPort(private val vault: NyckelVault) : Port {
        override fun changeStamp() = vault.changeStamp()
        override fun fingerprint() = vault.contentFingerprint()
        override fun backup(sealedKey: ByteArray) = vault.autoBackup(sealedKey).use { it.bytes() to it.exportedAccountIds().size }
    }

    sealed interface Outcome {
        /** No key kept: automatic backups are off. */
        data object Off : Outcome

        /** Nothing changed since the last backup. */
        data object UpToDate : Outcome

        /** Written, holding [accounts] accounts. */
        data class Written(val accounts: Int) : Outcome

        /** The library refused (a key of another vault, a locked vault): [error]. */
        data class Refused(val error: NyckelException) : Outcome

        /** The file could not be written: [reason]; the previous backup is still there. */
        data class NotWritten(val reason: String) : Outcome
    }

    /**
     * The stamp at which the backup was last found up to date, with the fingerprint it was
     * checked against (so a [State] reset — another folder, a new key — is never skipped).
     */
    private class Checked(val stamp: String, val fingerprint: String?)

    @Volatile private var checked: Checked? = null

    /** Writes a backup when the vault changed since the last one written. */
    @Synchronized
    fun sync(): Outcome {
        val key = state.sealedKey ?: return Outcome.Off
        return try {
            // Taken first: a write after it moves the stamp again, so it is never missed.
            val stamp = port.changeStamp()
            val seen = checked
            if (seen != null && seen.stamp == stamp && seen.fingerprint == state.lastFingerprint) return Outcome.UpToDate
            val fingerprint = port.fingerprint()
            val outcome = if (fingerprint == state.lastFingerprint) {
                Outcome.UpToDate
            } else {
                val (bytes, accounts) = port.backup(key)
                try {
                    writer().write(bytes)
                } finally {
                    bytes.fill(0)
                }
                // Recorded only after the file is in place, so a failed write is tried again.
                state.lastFingerprint = fingerprint
                Outcome.Written(accounts)
            }
            // The backup's own activity entry moves the stamp: one more fingerprint next time.
            checked = Checked(stamp, fingerprint)
            outcome
        } catch (e: NyckelException) {
            Outcome.Refused(e)
        } catch (e: IOException) {
            Outcome.NotWritten(e.message ?: e.javaClass.simpleName)
        }
    }
}

/**
 * A folder the backup is written to, by the few operations an atomic replacement needs (the
 * app implements it over a Storage Access Framework tree or an iOS bookmark; [FileBackupFolder]
 * over java.io). Each throws [IOException] on failure.
 */
interface BackupFolder {
    fun exists(name: String): Boolean
    /** Writes a new file [name] whole (replacing one of that name). */
    fun write(name: String, bytes: ByteArray)
    /** Renames [from] to [to] (no file [to] exists). */
    fun rename(from: String, to: String)
    /** Deletes [name] if it exists. */
    fun delete(name: String)
}

/**
 * Replaces the backup file [name] so that a complete backup exists at every moment: the new
 * one is written as `name.new`, the current one renamed to `name.old`, the new one renamed
 * into place, then `name.old` deleted. A failure at any step leaves the previous backup (as
 * `name`, or as `name.old`, which the next write puts back first).
 */
class AtomicBackupWriter(private val folder: BackupFolder, private val name: String) {
    private val fresh = "$name.new"
    private val old = "$name.old"

    fun write(bytes: ByteArray) {
        // A crash between the two renames last time: the previous backup is `old`.
        if (!folder.exists(name) && folder.exists(old)) folder.rename(old, name)
        folder.delete(fresh)
        folder.write(fresh, bytes)
        folder.delete(old)
        if (folder.exists(name)) folder.rename(name, old)
        folder.rename(fresh, name)
        folder.delete(old)
    }
}

/** [BackupFolder] over a directory (tests, app-private storage, a mounted drive). */
class FileBackupFolder(private val dir: File) : BackupFolder {
    override fun exists(name: String) = File(dir, name).exists()
    override fun write(name: String, bytes: ByteArray) {
        val file = File(dir, name)
        file.outputStream().use { out ->
            out.write(bytes)
            out.fd.sync()
        }
    }
    override fun rename(from: String, to: String) {
        if (!File(dir, from).renameTo(File(dir, to))) throw IOException("cannot rename $from to $to")
    }
    override fun delete(name: String) {
        val file = File(dir, name)
        if (file.exists() && !file.delete()) throw IOException("cannot delete $name")
    }
}
