package app.nyckel.app.logic

import app.nyckel.ImportSummary
import app.nyckel.NyckelException
import app.nyckel.TransferProgress

/**
 * The steps of "Importera" (a file of another authenticator, or Google Authenticator's
 * transfer QR codes) and of "Återställ från säkerhetskopia" (a Nyckel backup: the same flow
 * with the format fixed to [BACKUP_FORMAT]).
 *
 * Choose → (password, only when the library says the file is encrypted) → preview (a dry
 * run: what would be added, what is already there, what cannot be read and why) → import
 * (one transaction) → done. Nothing is added before the user confirms the preview; when some
 * entries cannot be read, the confirm button says it adds the others (`keepGood`). Every
 * decision about formats, passwords, batches and entries is the library's; errors are shown
 * through its classification ([Problem]). Each method blocks on the library: call it off the
 * main thread, one at a time. An action that does not fit the current step (a late tap, a
 * camera frame after the last code) does nothing. The file and password are dropped by [reset] and once done.
 *
 * Plain Kotlin (JVM-tested); the iOS app has the same flow in `Logic/ImportFlow.swift`.
 */
class ImportFlow(
    /** A format name the file must have (`nyckel` to restore a backup); null: detected. */
    private val format: String? = null,
) {
    sealed interface Step {
        /** Pick a file (or, for an import, start scanning transfer QR codes). */
        data object Choose : Step

        /** The file is encrypted: ask for its password. [format] is the library's name of it. */
        data class Password(val format: String) : Step

        /** Scanning a Google Authenticator export: [progress] says which codes are in (null: none yet). */
        data class Scanning(val progress: TransferProgress?) : Step

        /** The dry run's result, waiting for the user's yes. */
        data class Preview(val summary: ImportSummary) : Step {
            /** The confirm button adds the readable entries and leaves the failed ones out. */
            val keepsGoodOnly: Boolean get() = summary.failed > 0u
            /** Something would be added (else there is nothing to confirm). */
            val canImport: Boolean get() = summary.wouldImport > 0u
        }

        /** Imported (or nothing to do). */
        data class Done(val summary: ImportSummary) : Step
    }

    var step: Step = Step.Choose
        private set

    /** What went wrong in the last action, shown on the current step; null when nothing did. */
    var problem: Problem? = null
        private set

    private var data: ByteArray? = null
    private var password: String? = null
    private val payloads = mutableListOf<String>()

    /** A file was picked: read its kind, then ask for its password or show the preview. */
    fun chooseFile(port: TransferPort, bytes: ByteArray) = attempt {
        reset()
        data = bytes
        val info = port.inspect(bytes, format)
        if (info.encrypted) step = Step.Password(info.format) else preview(port)
    }

    /** The password of an encrypted file: a wrong one keeps the password step with the problem. */
    fun submitPassword(port: TransferPort, password: String) {
        if (step !is Step.Password) return // a late tap after the step changed
        // A backup sealed with the recovery code: the code typed in any case or spacing (docs/recovery.md §5).
        this.password = if (format == BACKUP_FORMAT) app.nyckel.RecoverySetupFlow.recoverySecret(password) else password
        attempt { preview(port) }
    }

    /** Start collecting the QR codes of a Google Authenticator export. */
    fun startScanning() {
        reset()
        step = Step.Scanning(null)
    }

    /**
     * A QR code was scanned while [Step.Scanning]. A code scanned twice is ignored; one that
     * is not a transfer code, or belongs to another export, is refused with the library's
     * reason and the codes scanned so far are kept. When the last code is in, the preview
     * is shown; frames the camera still delivers after that are ignored.
     */
    fun scanned(port: TransferPort, text: String) {
        if (step !is Step.Scanning) return
        val code = text.trim()
        if (ScannedCode.classify(code) !is ScannedCode.GoogleMigration) {
            problem = Problem(Problem.Kind.NOT_A_TRANSFER_CODE)
            return
        }
        if (code in payloads) return
        attempt {
            val progress = port.transferProgress(payloads + code)
            payloads += code
            step = Step.Scanning(progress)
            if (progress.missing.isEmpty()) preview(port)
        }
    }

    /** The user confirmed the preview: import for real (keeping the good entries when some failed). */
    fun confirm(port: TransferPort) {
        val preview = step as? Step.Preview ?: return // a second tap
        attempt {
            val summary = run(port, dryRun = false, keepGood = preview.keepsGoodOnly)
            step = Step.Done(summary)
            forget()
        }
    }

    /** Back to the start; forgets the file, the password and the codes scanned. */
    fun reset() {
        step = Step.Choose
        problem = null
        forget()
    }

    private fun preview(port: TransferPort) {
        step = Step.Preview(run(port, dryRun = true, keepGood = false))
    }

    private fun run(port: TransferPort, dryRun: Boolean, keepGood: Boolean): ImportSummary =
        if (payloads.isNotEmpty()) {
            port.importTransfer(payloads.toList(), dryRun, keepGood)
        } else {
            port.importFile(data ?: error("no file chosen"), format, password, dryRun, keepGood)
        }

    private fun forget() {
        data?.fill(0)
        data = null
        password = null
        payloads.clear()
    }

    /** Runs [block]; a Nyckel error becomes [problem] (a cancelled prompt says nothing). */
    private fun attempt(block: () -> Unit) {
        problem = null
        try {
            block()
        } catch (e: NyckelException) {
            problem = Problem.of(e).takeUnless(Problem::isSilent)
        }
    }

    companion object {
        /** The library's name of a Nyckel backup. */
        const val BACKUP_FORMAT = "nyckel"

        /** Whether [problem] means the password was wrong (the password step says so under its field). */
        fun isWrongPassword(problem: Problem?): Boolean = problem?.kind == Problem.Kind.WRONG_PASSPHRASE
    }
}
