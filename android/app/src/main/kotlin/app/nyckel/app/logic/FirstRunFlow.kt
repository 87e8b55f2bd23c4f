package app.nyckel.app.logic

import app.nyckel.AutoBackup
import app.nyckel.BackupFolder
import java.io.IOException

/**
 * The first run of the app, after the welcome screen (docs/recovery.md §5, docs/apps.md "First
 * run"): what comes next and in which order. The screens (welcome, the library's
 * `RecoverySetupFlow`, restore, move, the backup offer) each draw one step and report back here;
 * every decision of the order is made here, so it is tested on the JVM (the iOS app has
 * `Logic/FirstRunFlow.swift`).
 *
 * 1. Welcome: the user picks what they are doing ([Intent]: a fresh start, "Återställ från
 *    säkerhetskopia", or moving from the old phone) and how the vault is locked; the shell
 *    creates the vault and calls [vaultCreated].
 * 2. A vault opened by biometrics alone gets a way back in first ([Step.Recovery]: the library's
 *    `RecoverySetupFlow`, a recovery code or passphrase, skippable with its warning). A vault
 *    created with a passphrase already has one: that passphrase is the recovery secret.
 * 3. The chosen restore or move ([Step.Restoring] / [Step.MovingIn]), before any backup is
 *    written: a first automatic backup must never replace, in the folder the user is about to
 *    restore from, the very backup they came to restore.
 * 4. The offer of automatic encrypted backups to a folder the user chooses
 *    ([Step.BackupOffer]), sealed with the recovery secret just set (not typed again), skippable.
 *    A folder that already holds a Nyckel backup asks before replacing it
 *    ([Step.ConfirmReplace]). Without a recovery secret there is no offer (a backup's
 *    password is the recovery secret): [Step.Done] says so.
 * 5. [Step.Done]: the account list.
 *
 * The recovery secret is held only between steps 2 and 4 and dropped at [Step.Done]; it never
 * appears in `toString`. Calls that do not fit the current step do nothing (a late tap).
 * [Backups.turnOn] blocks (Argon2id once, the first backup): call [chooseFolder] and
 * [replace] off the main thread.
 */
class FirstRunFlow(private val backups: Backups) {
    /** What the user came to do, chosen on the welcome screen. */
    enum class Intent { FRESH, RESTORE, MOVE_IN }

    /** The automatic-backup calls the offer makes (the app's [AutoBackupSettings]). */
    interface Backups {
        /** Whether the folder ([folder]: its platform handle) already holds a Nyckel backup. */
        fun hasBackup(folder: String): Boolean

        /** Turns automatic backups on with [secret]: null when on, else why not. */
        fun turnOn(folder: String, folderName: String, secret: String): Problem?
    }

    sealed interface Step {
        /** The welcome screen: choose the intent and create the vault. */
        data object Welcome : Step

        /** A recovery code or passphrase (the library's RecoverySetupFlow). */
        data object Recovery : Step

        /** The restore screen (a Nyckel backup, password step first). */
        data object Restoring : Step

        /** The move screen (the old phone's package and key). */
        data object MovingIn : Step

        /** Offer automatic backups: choose a folder, or skip. [problem]: the last try failed. */
        data class BackupOffer(val problem: Problem? = null) : Step

        /** The chosen folder already holds a Nyckel backup: replace it, or choose another. */
        data class ConfirmReplace(val folderName: String) : Step

        /** First run over. [backupFolder]: where backups now go (null: off); [noRecovery]: skipped, so none could be offered. */
        data class Done(val backupFolder: String?, val noRecovery: Boolean) : Step
    }

    @Volatile var step: Step = Step.Welcome
        private set

    @Volatile var intent: Intent = Intent.FRESH
        private set

    private var secret: String? = null
    private var pending: Pair<String, String>? = null

    /** On the welcome screen: what the user came to do (changeable until the vault exists). */
    fun choose(intent: Intent) {
        if (step != Step.Welcome) return
        this.intent = intent
    }

    /**
     * The shell created the vault: with biometrics ([passphrase] null: a recovery secret is
     * asked next) or with a passphrase (which is then the recovery secret).
     */
    fun vaultCreated(passphrase: String?) {
        if (step != Step.Welcome) return
        if (passphrase == null) {
            step = Step.Recovery
        } else {
            secret = passphrase
            afterRecovery()
        }
    }

    /** The recovery code or passphrase was set (the secret as the vault takes it). */
    fun recoverySet(secret: String) {
        if (step != Step.Recovery) return
        this.secret = secret
        afterRecovery()
    }

    /** The user skipped the recovery setup (after its warning). */
    fun recoverySkipped() {
        if (step != Step.Recovery) return
        secret = null
        afterRecovery()
    }

    /** The restore or move screen was left (finished or not): on to the backup offer. */
    fun transferLeft() {
        if (step != Step.Restoring && step != Step.MovingIn) return
        offer()
    }

    /** A folder was chosen for automatic backups. */
    fun chooseFolder(folder: String, folderName: String) {
        if (step !is Step.BackupOffer) return
        if (backups.hasBackup(folder)) {
            pending = folder to folderName
            step = Step.ConfirmReplace(folderName)
            return
        }
        turnOn(folder, folderName)
    }

    /** Replace the backup already in the chosen folder. */
    fun replace() {
        if (step !is Step.ConfirmReplace) return
        val (folder, name) = pending ?: return
        turnOn(folder, name)
    }

    /** Back to choosing a folder (the backup there is left alone). */
    fun chooseAnother() {
        if (step !is Step.ConfirmReplace) return
        pending = null
        step = Step.BackupOffer()
    }

    /** No automatic backups (Settings → Automatic backup turns them on later). */
    fun skipBackups() {
        if (step !is Step.BackupOffer && step !is Step.ConfirmReplace) return
        finish(null)
    }

    override fun toString() = "FirstRunFlow($step, $intent)"

    private fun afterRecovery() {
        step = when (intent) {
            Intent.RESTORE -> Step.Restoring
            Intent.MOVE_IN -> Step.MovingIn
            Intent.FRESH -> return offer()
        }
    }

    private fun offer() {
        if (secret == null) return finish(null)
        step = Step.BackupOffer()
    }

    private fun turnOn(folder: String, folderName: String) {
        val s = secret ?: return finish(null)
        pending = null
        val problem = backups.turnOn(folder, folderName, s)
        if (problem == null) finish(folderName) else step = Step.BackupOffer(problem)
    }

    private fun finish(folderName: String?) {
        val noRecovery = secret == null
        secret = null
        pending = null
        step = Step.Done(folderName, noRecovery)
    }
}

/**
 * [FirstRunFlow.Backups] over the app's automatic-backup settings and its folders. A first
 * backup that could not be written turns backups off again: the offer shows why, and the user
 * chooses another folder or skips (never "on" with nothing written).
 */
class SettingsFirstRunBackups(
    private val settings: AutoBackupSettings,
    private val folders: (String) -> BackupFolder,
) : FirstRunFlow.Backups {
    override fun hasBackup(folder: String) =
        try { folders(folder).exists(AutoBackupSettings.FILE_NAME) } catch (e: IOException) { false }

    override fun turnOn(folder: String, folderName: String, secret: String): Problem? {
        settings.turnOn(folder, folderName, secret)
        settings.problem?.let { return it }
        val on = settings.step as? AutoBackupSettings.Step.On ?: return Problem(Problem.Kind.UNEXPECTED)
        val failed = when (val last = on.last) {
            is AutoBackup.Outcome.NotWritten -> Problem(Problem.Kind.BACKUP_NOT_SAVED, last.reason)
            is AutoBackup.Outcome.Refused -> Problem.of(last.error)
            else -> null
        }
        if (failed != null) settings.turnOff()
        return failed
    }
}
