package app.nyckel.app.logic

import app.nyckel.AtomicBackupWriter
import app.nyckel.AutoBackup
import app.nyckel.BackupFolder
import app.nyckel.NyckelException
import app.nyckel.NyckelVault
import app.nyckel.RecoverySetupFlow

/**
 * Settings → "Automatisk säkerhetskopia" (docs/recovery.md §5, docs/apps.md): turning automatic
 * backups on with a folder the user chose and the recovery passphrase or code, writing them
 * after vault changes and on unlock ([sync]), and turning them off. The library's policy
 * ([AutoBackup]: a backup only when the content moved, the previous file kept until the new one
 * is in place) does the work; this keeps the key and the folder and says what happened.
 *
 * The platform parts stay outside: [Store] (the sealed key, the folder's handle — a Storage
 * Access Framework tree URI with a persisted permission — and the fingerprint, in preferences:
 * the key is sealed under the vault key, useless without it) and [folders] (a [BackupFolder]
 * for a handle). Plain Kotlin (JVM-tested); the iOS app has `Logic/AutoBackupSettings.swift`.
 * Every call blocks (Argon2id once when turning on; SQLite, AES and file I/O): off the main thread.
 * [sync] is cheap when the vault was not written since the last one (one change-stamp query).
 */
class AutoBackupSettings(
    private val port: Port,
    private val store: Store,
    private val folders: (String) -> BackupFolder,
) {
    /** The library calls, beyond the backup itself. */
    interface Port : AutoBackup.Port {
        /**
         * [typed] read as the vault's recovery passphrase or code (a code in any case or
         * spacing), checked against the vault: `WrongPassphrase` when it does not open it.
         */
        fun recoverySecret(typed: String): String

        /** The key of automatic backups from [secret], sealed under the vault key. */
        fun autoBackupKey(secret: String): ByteArray
    }

    /** What the app keeps (never the passphrase). */
    interface Store : AutoBackup.State {
        override var sealedKey: ByteArray?
        /** The chosen folder's platform handle, and its name to show. */
        var folder: String?
        var folderName: String?
    }

    sealed interface Step {
        /** Off: offer to choose a folder and type the recovery passphrase or code. */
        data object Off : Step

        /** On, writing to [folderName]; [last] is the latest backup's outcome, if any yet. */
        data class On(val folderName: String, val last: AutoBackup.Outcome?) : Step
    }

    var step: Step = currentStep(null)
        private set

    /**
     * One policy for the settings' life: it remembers the core's change stamp at the last
     * check, so a [sync] after a call that wrote nothing (the 1 s code refresh) asks only the
     * stamp, never the fingerprint. The folder is looked up when a backup is written.
     */
    private val backup = AutoBackup(port, { AtomicBackupWriter(folders(checkNotNull(store.folder)), FILE_NAME) }, store)

    /** Why turning on failed (shown under the field); null when it did not. */
    var problem: Problem? = null
        private set

    /**
     * Turns automatic backups on: checks [typedSecret] against the vault (backups open with it,
     * so a typo must not become their password), derives and keeps the key with the folder,
     * and writes the first backup at once.
     */
    @Synchronized
    fun turnOn(folder: String, folderName: String, typedSecret: String) {
        problem = null
        val key = try {
            port.autoBackupKey(port.recoverySecret(typedSecret))
        } catch (e: NyckelException) {
            problem = Problem.of(e).takeUnless(Problem::isSilent)
            return
        }
        store.sealedKey = key
        store.folder = folder
        store.folderName = folderName
        store.lastFingerprint = null // the new folder has no backup yet
        step = currentStep(null)
        sync()
    }

    /** Turns automatic backups off; the last backup file stays where it is. */
    @Synchronized
    fun turnOff() {
        store.sealedKey = null
        store.folder = null
        store.folderName = null
        store.lastFingerprint = null
        problem = null
        step = Step.Off
    }

    /**
     * Writes a backup if the vault changed since the last one (call after every vault change
     * and on unlock). One at a time: two writers must not interleave their renames.
     */
    @Synchronized
    fun sync(): AutoBackup.Outcome {
        if (store.folder == null) return AutoBackup.Outcome.Off
        val outcome = backup.sync()
        // "Up to date" says nothing new: keep showing the last real outcome.
        if (outcome != AutoBackup.Outcome.UpToDate) step = currentStep(outcome)
        return outcome
    }

    private fun currentStep(last: AutoBackup.Outcome?): Step {
        val name = store.folderName
        return if (store.sealedKey != null && store.folder != null && name != null) Step.On(name, last) else Step.Off
    }

    companion object {
        /** The backup's file name in the chosen folder (restores with "Återställ från säkerhetskopia"). */
        const val FILE_NAME = "nyckel-backup.json"
    }
}

/** [AutoBackupSettings.Port] over the vault: each method is one library call. */
class VaultAutoBackupPort(private val vault: NyckelVault) : AutoBackupSettings.Port, AutoBackup.Port by AutoBackup.VaultPort(vault) {
    override fun recoverySecret(typed: String): String {
        val secret = RecoverySetupFlow.recoverySecret(typed)
        // On the unlocked vault this only checks the passphrase slot (the key stays as it is).
        vault.unlockWithPassphrase(secret)
        return secret
    }

    override fun autoBackupKey(secret: String) = vault.autoBackupKey(secret, null)
}
