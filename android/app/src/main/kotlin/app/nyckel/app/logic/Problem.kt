package app.nyckel.app.logic

import app.nyckel.ErrorKind
import app.nyckel.FetchFailure
import app.nyckel.NextStep
import app.nyckel.NyckelException
import app.nyckel.StorageFault
import app.nyckel.TransferFailure

/**
 * What went wrong, as the screens say it. The library classifies every error (its
 * `kind()`, `nextStep()`, `endsRequest()`: docs/mobile.md, "Errors"); this only renders that.
 * Each [Kind] has one string resource (English + Swedish) in the app, named
 * [Kind.resourceName]; a failed read or write has one [Kind] per cause (the library's
 * `StorageFault`: a full disk, a read-only file, …), so the screen can say what to do. [detail] is the
 * library's one-line reason where it helps the user (an invalid QR code says *why*), never a
 * secret. [endsRequest] is the library's answer to "can this sign-in request still be
 * answered?", [nextStep] its "what does the user do next".
 */
data class Problem(
    val kind: Kind,
    val detail: String? = null,
    val endsRequest: Boolean = false,
    val nextStep: NextStep? = null,
) {
    enum class Kind {
        // adding accounts
        ALREADY_ADDED, INVALID_CODE, INVALID_INPUT, NOT_AN_ACCOUNT, GOOGLE_MIGRATION, NO_QR_FOUND,
        // import, backup, restore
        NOT_A_TRANSFER_CODE, BACKUP_NOT_SAVED, FILE_NOT_READ,
        // vault and unlock
        WRONG_PASSPHRASE, LOCKED, CLOSED, USER_CANCELLED, KEY_INVALIDATED, KEY_UNAVAILABLE, KEY_FAILED,
        NO_PLATFORM_KEY, NOT_FOUND, DAMAGED, TOO_NEW, NO_VAULT, ALREADY_EXISTS,
        // a failed read or write of the vault, by its cause (STORAGE: none the user can act on)
        STORAGE, STORAGE_DISK_FULL, STORAGE_FILE_TOO_LARGE, STORAGE_READ_ONLY, STORAGE_PERMISSION_DENIED, STORAGE_BUSY,
        STORAGE_IO,
        // approvals
        ENROLLMENT_NOT_FOUND, WRONG_NUMBER, REQUEST_EXPIRED, REQUEST_NOT_PENDING, REQUEST_NOT_FOUND, BUSY, INVALID_NUMBER,
        PROVIDER_UNREACHABLE, PROVIDER_REFUSED, PROVIDER_UNTRUSTED, PHONE_SIGNIN_NOT_ENABLED, DEVICE_REVOKED,
        DEVICE_KEY_UNAVAILABLE, ENROLLMENT_UNUSABLE, USER_VERIFICATION_FAILED, PHONE_SIGNIN_KEY_UNAVAILABLE, ENROLLMENT_INVALID,
        // anything else: a bug
        UNEXPECTED,
        ;

        /** The name of its string resource (`values/strings.xml`, `values-sv/strings.xml`). */
        val resourceName: String get() = "problem_" + name.lowercase()
    }

    /** The user cancelled a prompt: screens stay where they are and show nothing. */
    val isSilent: Boolean get() = kind == Kind.USER_CANCELLED

    companion object {
        /** Renders any exception from a Nyckel call. */
        fun of(e: Throwable): Problem = when (e) {
            is NyckelException.Storage -> Problem(storageKind(e.fault), e.detail(), e.endsRequest(), e.nextStep())
            is NyckelException -> Problem(kindOf(e.kind()), e.detail(), e.endsRequest(), e.nextStep())
            else -> Problem(Kind.UNEXPECTED, e.javaClass.simpleName, nextStep = NextStep.REPORT_BUG)
        }

        /**
         * A provider that could not be asked, reported beside a result (the pending list's
         * `FetchFailure`): its kind's sentence, never the library's English `reason` alone
         * (kept as [detail], shown only where a kind shows details).
         */
        fun of(f: FetchFailure): Problem = Problem(kindOf(f.kind), f.reason, nextStep = f.nextStep)

        /** An enrollment a move could not take over (`TransferFailure`), as [of] a `FetchFailure`. */
        fun of(f: TransferFailure): Problem = Problem(kindOf(f.kind), f.reason, nextStep = f.nextStep)

        /**
         * The screen's sentence for each of the library's kinds. Exhaustive: a kind added to
         * the core fails to compile here until it has a sentence.
         */
        fun kindOf(kind: ErrorKind): Kind = when (kind) {
            ErrorKind.INVALID_URI -> Kind.INVALID_CODE
            ErrorKind.INVALID_INPUT -> Kind.INVALID_INPUT
            ErrorKind.WRONG_PASSPHRASE -> Kind.WRONG_PASSPHRASE
            ErrorKind.LOCKED -> Kind.LOCKED
            ErrorKind.CLOSED -> Kind.CLOSED
            ErrorKind.NOT_FOUND -> Kind.NOT_FOUND
            ErrorKind.ENROLLMENT_NOT_FOUND -> Kind.ENROLLMENT_NOT_FOUND
            ErrorKind.DUPLICATE -> Kind.ALREADY_ADDED
            ErrorKind.NO_VAULT -> Kind.NO_VAULT
            ErrorKind.ALREADY_EXISTS -> Kind.ALREADY_EXISTS
            ErrorKind.STORAGE -> Kind.STORAGE
            ErrorKind.DAMAGED -> Kind.DAMAGED
            ErrorKind.TOO_NEW -> Kind.TOO_NEW
            ErrorKind.NO_PLATFORM_KEY -> Kind.NO_PLATFORM_KEY
            ErrorKind.USER_CANCELLED -> Kind.USER_CANCELLED
            ErrorKind.KEY_INVALIDATED -> Kind.KEY_INVALIDATED
            ErrorKind.KEY_UNAVAILABLE -> Kind.KEY_UNAVAILABLE
            ErrorKind.KEY_PROTECTOR -> Kind.KEY_FAILED
            ErrorKind.INTERNAL -> Kind.UNEXPECTED
            ErrorKind.WRONG_NUMBER -> Kind.WRONG_NUMBER
            ErrorKind.REQUEST_EXPIRED -> Kind.REQUEST_EXPIRED
            ErrorKind.REQUEST_NOT_PENDING -> Kind.REQUEST_NOT_PENDING
            ErrorKind.REQUEST_NOT_FOUND -> Kind.REQUEST_NOT_FOUND
            ErrorKind.BUSY -> Kind.BUSY
            ErrorKind.INVALID_NUMBER -> Kind.INVALID_NUMBER
            ErrorKind.PHONE_SIGNIN_NOT_ENABLED -> Kind.PHONE_SIGNIN_NOT_ENABLED
            ErrorKind.DEVICE_REVOKED -> Kind.DEVICE_REVOKED
            ErrorKind.PROVIDER_UNREACHABLE -> Kind.PROVIDER_UNREACHABLE
            ErrorKind.PROVIDER_REFUSED -> Kind.PROVIDER_REFUSED
            ErrorKind.PROVIDER_UNTRUSTED -> Kind.PROVIDER_UNTRUSTED
            ErrorKind.INVALID_ENROLLMENT_CODE -> Kind.ENROLLMENT_INVALID
            ErrorKind.DEVICE_KEY_UNAVAILABLE -> Kind.DEVICE_KEY_UNAVAILABLE
            ErrorKind.ENROLLMENT_UNUSABLE -> Kind.ENROLLMENT_UNUSABLE
            ErrorKind.USER_VERIFICATION_FAILED -> Kind.USER_VERIFICATION_FAILED
            ErrorKind.PHONE_SIGNIN_KEY_UNAVAILABLE -> Kind.PHONE_SIGNIN_KEY_UNAVAILABLE
        }

        /**
         * The sentence for each cause of a failed read or write (the CLI's meaning, in the
         * phone's terms). Exhaustive: a fault added to the core fails to compile here until it
         * has a sentence.
         */
        fun storageKind(fault: StorageFault): Kind = when (fault) {
            StorageFault.DISK_FULL -> Kind.STORAGE_DISK_FULL
            StorageFault.FILE_TOO_LARGE -> Kind.STORAGE_FILE_TOO_LARGE
            StorageFault.READ_ONLY -> Kind.STORAGE_READ_ONLY
            StorageFault.PERMISSION_DENIED -> Kind.STORAGE_PERMISSION_DENIED
            StorageFault.BUSY -> Kind.STORAGE_BUSY
            StorageFault.IO -> Kind.STORAGE_IO
            StorageFault.OTHER -> Kind.STORAGE
        }
    }
}
