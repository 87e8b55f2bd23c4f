package app.nyckel.app.logic

import app.nyckel.ExportPlan
import app.nyckel.NyckelException
import java.time.LocalDate

/**
 * The steps of "Säkerhetskopiera": what the backup will hold and what it cannot (device-bound
 * sign-in approvals and organisation-managed codes: the library's list, to enroll again on a
 * new phone) → a backup password typed twice → the sealed file, handed to the system's "save
 * as" → saved. The backup is the library's (Argon2id + AES-256-GCM, docs/backup-format.md);
 * this only walks the screen through it. Each library call blocks: off the main thread.
 *
 * Plain Kotlin (JVM-tested); the iOS app has the same flow in `Logic/BackupFlow.swift`.
 */
class BackupFlow {
    sealed interface Step {
        /** Reading what would be backed up. */
        data object Loading : Step

        /** What will be in the backup and what not; the password fields. */
        data class Ready(val plan: ExportPlan) : Step

        /** The file is sealed: let the user choose where to save it ([fileName] suggested). */
        data class Save(val backup: Backup, val fileName: String) : Step

        /** Saved: how many accounts the file holds and how many things were left out. */
        data class Done(val accounts: Int, val leftOutCount: Int) : Step
    }

    /** Why the password cannot be used yet (shown under the fields). */
    enum class PasswordProblem { TOO_SHORT, MISMATCH }

    var step: Step = Step.Loading
        private set

    var problem: Problem? = null
        private set

    /** Reads the plan (`exportPlan(NYCKEL)`). */
    fun load(port: TransferPort) = attempt { step = Step.Ready(port.backupPlan()) }

    /** Seals the backup with [password] once both fields agree and it is long enough. */
    fun create(port: TransferPort, password: String, confirm: String, today: LocalDate) {
        if (step !is Step.Ready) return // a late tap
        if (passwordProblem(password, confirm) != null) return
        attempt { step = Step.Save(port.backup(password), fileName(today)) }
    }

    /** The system saved the file where the user chose. */
    fun saved() {
        val save = step as? Step.Save ?: return
        step = Step.Done(save.backup.accounts, save.backup.leftOut.size)
        save.backup.bytes.fill(0)
    }

    /** Saving failed or was cancelled: the sealed file stays ready for another try. */
    fun saveFailed(cancelled: Boolean) {
        problem = if (cancelled) null else Problem(Problem.Kind.BACKUP_NOT_SAVED)
    }

    private fun attempt(block: () -> Unit) {
        problem = null
        try {
            block()
        } catch (e: NyckelException) {
            problem = Problem.of(e).takeUnless(Problem::isSilent)
        }
    }

    companion object {
        /** The shortest backup password accepted (a backup may leave the phone). */
        const val MIN_PASSWORD = 10

        /** The first reason [password] cannot be used, or null. */
        fun passwordProblem(password: String, confirm: String): PasswordProblem? = when {
            password.trim().length < MIN_PASSWORD -> PasswordProblem.TOO_SHORT
            password != confirm -> PasswordProblem.MISMATCH
            else -> null
        }

        /** "nyckel-backup-2026-12-05.json". */
        fun fileName(today: LocalDate): String = "nyckel-backup-$today.json"

        /** The MIME type the save dialog gets (the backup is JSON). */
        const val MIME_TYPE = "application/json"
    }
}
