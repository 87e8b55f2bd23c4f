package app.nyckel

import java.io.File
import java.io.IOException
import java.io.RandomAccessFile
import java.time.LocalDate

/*
 * "Flytta till ny telefon" (docs/recovery.md §4) as two small state machines the apps' screens
 * only draw: the old phone's ([PhoneTransferExportFlow]) and the new phone's
 * ([PhoneTransferImportFlow]). Every decision (which enrollments move, the key, what an
 * outcome means) is the library's; these only order the steps, keep the secrets for as long
 * as a step needs them and wipe them after. Plain Kotlin/JVM (tested on the JVM, also
 * against a running nyckel-idp); the Swift package has the same flows
 * (`PhoneTransferFlow.swift`).
 *
 * Each call that reaches the library blocks (network, Argon2id, a biometric prompt for phone
 * sign-in): call it off the main thread, one at a time. [onChange] is called on that thread
 * at every step change, so a screen can show "exporting" / "importing" while the call runs.
 */

/** The library calls the transfer screens make; one interface so the flows are tested without a provider. */
interface PhoneTransferPort {
    fun exportTransfer(): PhoneTransferExport
    fun importTransfer(packageBytes: ByteArray, keyText: String, deviceName: String): PhoneTransferImport
    /** Checks that the bytes are a Nyckel backup-format file (a package is one) before asking for a key. */
    fun inspectPackage(packageBytes: ByteArray)
}

/** [PhoneTransferPort] over [NyckelApprovals]: each method is one library call. */
class ApprovalsTransferPort(private val approvals: NyckelApprovals) : PhoneTransferPort {
    override fun exportTransfer() = approvals.exportPhoneTransfer()
    override fun importTransfer(packageBytes: ByteArray, keyText: String, deviceName: String) =
        approvals.importPhoneTransfer(packageBytes, keyText, deviceName)
    override fun inspectPackage(packageBytes: ByteArray) {
        inspectImportFile(packageBytes, PhoneTransferExportFlow.PACKAGE_FORMAT)
    }
}

/** The old phone: idle → exporting → showing the key (and saving the package) → done, or failed. */
class PhoneTransferExportFlow(private val onChange: (Step) -> Unit = {}) {
    sealed interface Step {
        data object Idle : Step

        /** Asking each provider for a transfer code and sealing the package. */
        data object Exporting : Step

        /**
         * Show [qrPayload] as a QR code and [code] to type (or [keyText] whole); the package
         * file ([packageBytes], suggested name [fileName]) goes to the new phone by "save" or
         * "share". [saved] once the system said it was written. [notMoving] are the
         * enrollments whose provider gave no code: set those up again by hand. [leftBehind] is
         * everything that stays on this phone — the library's `leftOut` (those enrollments,
         * managed one-time-code accounts their provider did not re-deliver, anything a backup
         * cannot hold), each with what to do on the new phone and, for an enrollment, the
         * provider's refusal: the screen lists it before the user finishes.
         */
        class ShowingKey(
            val qrPayload: String,
            val code: String,
            val keyText: String,
            val packageBytes: ByteArray,
            val fileName: String,
            val accounts: Int,
            val moving: List<TransferOfferInfo>,
            val notMoving: List<TransferOfferInfo>,
            val leftBehind: List<LeftBehind>,
            val saved: Boolean,
        ) : Step {
            fun withSaved() = ShowingKey(qrPayload, code, keyText, packageBytes, fileName, accounts, moving, notMoving, leftBehind, true)
            override fun toString() = "ShowingKey(<key redacted>, ${packageBytes.size} bytes, $accounts accounts, saved=$saved)"
        }

        /** The user finished on the old phone; key and package are forgotten. */
        data class Done(val accounts: Int, val enrollments: Int) : Step

        /** Nothing was exported: [error] is the library's reason ([start] tries again). */
        data class Failed(val error: NyckelException) : Step
    }

    /**
     * One thing that stays on the old phone: [label] ("anna at https://idp.example.se" or
     * "Issuer (name)"), [reason] (why, and what to do on the new phone: the library's English
     * line), [cause] (the same, for the app to say in its language; `null` for an enrollment
     * that is left behind only because its provider refused), and for an enrollment whose
     * provider gave no transfer code, [failure] (its refusal, classified: the app picks its
     * sentence by kind).
     */
    data class LeftBehind(val label: String, val reason: String, val cause: LeftOutCause?, val failure: FetchFailure?)

    @Volatile
    var step: Step = Step.Idle
        private set

    /** Whether the save/share of the package failed (the key stays shown for another try). */
    @Volatile
    var saveFailed = false
        private set

    /** The package written for a share sheet ([shareFile]), deleted by [finish] and [cancel]. */
    @Volatile
    private var shared: File? = null

    /** Exports (from [Step.Idle] or after a failure); a second tap while exporting does nothing. */
    fun start(port: PhoneTransferPort, today: LocalDate) {
        if (step != Step.Idle && step !is Step.Failed) return
        move(Step.Exporting)
        try {
            val out = port.exportTransfer()
            val (moving, notMoving) = out.enrollments.partition { it.failure == null }
            move(Step.ShowingKey(out.qrPayload, out.code, out.keyText, out.`package`, fileName(today),
                out.accountIds.size, moving, notMoving, leftBehind(out), saved = false))
        } catch (e: NyckelException) {
            move(Step.Failed(e))
        }
    }

    /** The package file was written (saved or shared). */
    fun packageSaved() {
        val showing = step as? Step.ShowingKey ?: return
        saveFailed = false
        move(showing.withSaved())
    }

    /** Saving failed ([cancelled] = the user backed out, nothing to say). */
    fun packageNotSaved(cancelled: Boolean) {
        if (step !is Step.ShowingKey) return
        saveFailed = !cancelled
        onChange(step)
    }

    /**
     * The package as a file for the system's share sheet (Android `ACTION_SEND` through a
     * `FileProvider`, iOS `ShareLink`): written whole into [dir] under the suggested name
     * (`nyckel-flytt-….json`), readable and writable by this app only; any package shared
     * earlier from [dir] is deleted first (a killed app's too). Null unless the key is shown.
     * [finish] and [cancel] delete it. Throws [IOException] when it cannot be written.
     */
    @Synchronized
    fun shareFile(dir: File): File? {
        val showing = step as? Step.ShowingKey ?: return null
        clearShared(dir)
        if (!dir.isDirectory && !dir.mkdirs()) throw IOException("cannot create $dir")
        val file = File(dir, showing.fileName)
        try {
            // Created empty and narrowed before the secret goes in.
            file.outputStream().close()
            ownerOnly(file)
            file.outputStream().use { it.write(showing.packageBytes) }
        } catch (e: IOException) {
            wipe(file)
            throw e
        }
        shared = file
        return file
    }

    /** The new phone has it: forget the key and the package (and the shared file). */
    fun finish() {
        val showing = step as? Step.ShowingKey ?: return
        showing.packageBytes.fill(0)
        dropShared()
        move(Step.Done(showing.accounts, showing.moving.size))
    }

    /** Leaves the screen: forgets the key and the package (a package never imported changes nothing). */
    fun cancel() {
        (step as? Step.ShowingKey)?.packageBytes?.fill(0)
        dropShared()
        saveFailed = false
        move(Step.Idle)
    }

    @Synchronized
    private fun dropShared() {
        shared?.let(::wipe)
        shared = null
    }

    private fun move(to: Step) {
        step = to
        onChange(to)
    }

    companion object {
        /** Deletes every package shared from [dir] (call at start too: a killed app leaves one). */
        fun clearShared(dir: File) {
            dir.listFiles { f -> f.name.startsWith("nyckel-flytt-") && f.name.endsWith(".json") }?.forEach(::wipe)
        }

        /** Overwrites [file] with zeros, then deletes it (best effort: flash storage may keep copies). */
        private fun wipe(file: File) {
            runCatching { RandomAccessFile(file, "rw").use { it.write(ByteArray(it.length().toInt())) } }
            file.delete()
        }

        private fun ownerOnly(file: File) {
            val ok = file.setReadable(false, false) && file.setReadable(true, true) &&
                file.setWritable(false, false) && file.setWritable(true, true)
            if (!ok) throw IOException("cannot restrict $file to this app")
        }

        /** A package is a Nyckel backup-format file (docs/backup-format.md, "Transfer package"). */
        const val PACKAGE_FORMAT = "nyckel"

        /** The MIME type for the save/share dialogs. */
        const val MIME_TYPE = "application/json"

        /** "nyckel-flytt-2026-12-05.json". */
        fun fileName(today: LocalDate) = "nyckel-flytt-$today.json"

        /**
         * What stays behind: every `leftOut` entry in the library's order, an enrollment's
         * with its provider's refusal, then any refused enrollment `leftOut` did not name.
         */
        fun leftBehind(out: PhoneTransferExport): List<LeftBehind> {
            val refused = out.enrollments.filter { it.failure != null }
            val listed = out.leftOut.map { l ->
                LeftBehind(l.label, l.reason, l.cause, refused.firstOrNull { it.label == l.label }?.failure)
            }
            val named = out.leftOut.map { it.label }.toSet()
            return listed + refused.filter { it.label !in named }.map { LeftBehind(it.label, it.failure!!.reason, null, it.failure) }
        }
    }
}

/**
 * The new phone: choose the package file → scan the old phone's QR code (or type the whole
 * key) → type the 6-digit code → importing → the outcome of each enrollment and the accounts.
 * A wrong code goes back to the code step with the library's `WrongPassphrase`; a file that
 * is no package back to choosing one.
 */
class PhoneTransferImportFlow(
    private val deviceName: String,
    private val onChange: (Step) -> Unit = {},
) {
    sealed interface Step {
        /** Pick the package file the old phone saved or shared. */
        data object ChoosePackage : Step

        /** Scan the QR code on the old phone (or [typeKeyInstead]). */
        data object Scanning : Step

        /** The QR code is in: type the 6 digits shown under it. */
        data object EnterCode : Step

        /** Type the whole key (`ABCDE-FGHIJ-KLMNO-PQRST-123456`). */
        data object TypingKey : Step

        /** Enrolling with new keys at each provider and adding the accounts. */
        data object Importing : Step

        /** What happened, per enrollment and for the accounts. */
        data class Outcomes(val rows: List<MoveRow>, val accountsImported: Int, val accountsDuplicate: Int, val accountsFailed: Int) : Step {
            /** Every enrollment moved completely and every account was added or already here. */
            val allMoved: Boolean get() = rows.all { it.status == MoveStatus.MOVED } && accountsFailed == 0
        }
    }

    /** How one enrollment came through. */
    enum class MoveStatus {
        /** Enrolled with new keys, the old phone revoked, phone sign-in back if it was on. */
        MOVED,

        /** Enrolled and the old phone revoked, but phone sign-in could not be turned on again: turn it on in the enrollment. */
        PHONE_SIGNIN_OFF,

        /** Enrolled, but the provider was not reached afterwards: the old phone still works there until it is. */
        NOT_CONFIRMED,

        /** Not enrolled: [MoveRow.failure] says why (set it up again with a new code). */
        NOT_MOVED,
    }

    /**
     * One enrollment's outcome; [failure] is the library's classification (kind, next step,
     * English reason); [managedOtp] the organisation's one-time-code account its provider
     * re-delivered with the transfer code ([ManagedOtpInfo.added], or already here: linked).
     */
    data class MoveRow(val label: String, val status: MoveStatus, val failure: TransferFailure?, val managedOtp: ManagedOtpInfo? = null)

    /** A problem the flow itself finds (the library's errors are in [error]). */
    enum class Local {
        /** The scanned QR code is not a transfer key. */
        NOT_A_TRANSFER_CODE,
    }

    @Volatile
    var step: Step = Step.ChoosePackage
        private set

    /** The library's reason the last action failed, shown on the current step. */
    @Volatile
    var error: NyckelException? = null
        private set

    /** A problem the flow found itself. */
    @Volatile
    var local: Local? = null
        private set

    private var packageBytes: ByteArray? = null
    private var scanned: String? = null

    /** A file was chosen: a Nyckel-format file goes on to the key; anything else stays here with the reason. */
    fun choosePackage(port: PhoneTransferPort, bytes: ByteArray) {
        if (step != Step.ChoosePackage) return
        clearProblems()
        try {
            port.inspectPackage(bytes)
        } catch (e: NyckelException) {
            bytes.fill(0)
            error = e
            onChange(step)
            return
        }
        packageBytes = bytes
        move(Step.Scanning)
    }

    /** A QR code was read while scanning; another kind of code is refused and scanning goes on. */
    fun scanned(text: String) {
        if (step != Step.Scanning) return // a late camera frame
        clearProblems()
        if (!isTransferQr(text)) {
            local = Local.NOT_A_TRANSFER_CODE
            onChange(step)
            return
        }
        scanned = text.trim()
        move(Step.EnterCode)
    }

    /** No camera, or the user prefers typing: the whole key. */
    fun typeKeyInstead() {
        if (step != Step.Scanning && step != Step.EnterCode) return
        clearProblems()
        scanned = null
        move(Step.TypingKey)
    }

    /** Back to the camera (from the code or the typed key). */
    fun scanAgain() {
        if (step != Step.EnterCode && step != Step.TypingKey) return
        clearProblems()
        scanned = null
        move(Step.Scanning)
    }

    /** The 6 digits under the QR code: imports. A code that is not 6 digits is the library's `InvalidInput`. */
    fun submitCode(port: PhoneTransferPort, code: String) {
        if (step != Step.EnterCode) return
        val qr = scanned ?: return
        val key = try {
            transferKeyFromScan(qr, code)
        } catch (e: NyckelException) {
            clearProblems()
            error = e
            onChange(step)
            return
        }
        import(port, key, back = Step.EnterCode)
    }

    /** The whole key typed: imports. */
    fun submitKeyText(port: PhoneTransferPort, keyText: String) {
        if (step != Step.TypingKey) return
        import(port, keyText, back = Step.TypingKey)
    }

    /** Starts over: forgets the package and the scanned key. */
    fun reset() {
        forget()
        clearProblems()
        move(Step.ChoosePackage)
    }

    private fun import(port: PhoneTransferPort, keyText: String, back: Step) {
        val bytes = packageBytes ?: return
        clearProblems()
        move(Step.Importing)
        try {
            val result = port.importTransfer(bytes, keyText, deviceName)
            forget()
            move(outcomes(result))
        } catch (e: NyckelException) {
            error = e
            // A file that opened but is a plain backup (or another kind of Nyckel file) needs another file.
            val wrongFile = e is NyckelException.InvalidInput && back == Step.EnterCode
            if (wrongFile) forget()
            move(if (wrongFile) Step.ChoosePackage else back)
        }
    }

    private fun forget() {
        packageBytes?.fill(0)
        packageBytes = null
        scanned = null
    }

    private fun clearProblems() {
        error = null
        local = null
    }

    private fun move(to: Step) {
        step = to
        onChange(to)
    }

    companion object {
        /** The rows and counts of an import, each enrollment classified by what the library reported. */
        fun outcomes(result: PhoneTransferImport): Step.Outcomes = Step.Outcomes(
            result.enrollments.map { MoveRow(it.label, status(it), it.failure, it.managedOtp) },
            result.accountsImported.toInt(),
            result.accountsDuplicate.toInt(),
            result.accountsFailed.toInt(),
        )

        fun status(move: TransferMoveInfo): MoveStatus = when {
            move.enrollmentId == null -> MoveStatus.NOT_MOVED
            !move.oldDeviceRevoked -> MoveStatus.NOT_CONFIRMED
            move.phoneSignin == false -> MoveStatus.PHONE_SIGNIN_OFF
            else -> MoveStatus.MOVED
        }
    }
}
