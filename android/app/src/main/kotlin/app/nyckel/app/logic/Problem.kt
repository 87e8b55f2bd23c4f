package app.nyckel.app.logic

import app.nyckel.NyckelException

/**
 * What went wrong, as the screens say it. Each [Kind] has one string resource (English +
 * Swedish) in the app; [detail] is the library's one-line reason where it helps the user
 * (an invalid QR code says *why*), never a secret (the library guarantees its messages
 * contain none).
 */
data class Problem(val kind: Kind, val detail: String? = null) {
    enum class Kind {
        // adding accounts
        ALREADY_ADDED, INVALID_CODE, INVALID_INPUT, NOT_AN_ACCOUNT, GOOGLE_MIGRATION, NO_QR_FOUND,
        // vault and unlock
        WRONG_PASSPHRASE, LOCKED, CLOSED, USER_CANCELLED, KEY_INVALIDATED, KEY_UNAVAILABLE, KEY_FAILED,
        NO_PLATFORM_KEY, NOT_FOUND, STORAGE, DAMAGED, TOO_NEW,
        // approvals (see ApprovalProblems.kt)
        ENROLLMENT_NOT_FOUND, WRONG_NUMBER, REQUEST_EXPIRED, REQUEST_NOT_PENDING, REQUEST_NOT_FOUND, INVALID_NUMBER,
        PROVIDER_UNREACHABLE, PROVIDER_REFUSED, PROVIDER_UNTRUSTED, PHONE_SIGNIN_NOT_ENABLED, DEVICE_REVOKED,
        DEVICE_KEY_UNAVAILABLE, USER_VERIFICATION_FAILED, PHONE_SIGNIN_KEY_UNAVAILABLE, ENROLLMENT_INVALID,
        // anything else: a bug
        UNEXPECTED,
    }

    /** The user cancelled a prompt: screens stay where they are and show nothing. */
    val isSilent: Boolean get() = kind == Kind.USER_CANCELLED

    companion object {
        /** Maps any exception from a Nyckel call. */
        fun of(e: Throwable): Problem = when (e) {
            is NyckelException -> ofNyckel(e)
            else -> Problem(Kind.UNEXPECTED, e.javaClass.simpleName)
        }

        private fun ofNyckel(e: NyckelException): Problem = when (e) {
            is NyckelException.Duplicate -> Problem(Kind.ALREADY_ADDED)
            is NyckelException.InvalidUri -> Problem(Kind.INVALID_CODE, e.reason)
            is NyckelException.InvalidInput -> Problem(Kind.INVALID_INPUT, e.reason)
            is NyckelException.WrongPassphrase -> Problem(Kind.WRONG_PASSPHRASE)
            is NyckelException.Locked -> Problem(Kind.LOCKED)
            is NyckelException.Closed -> Problem(Kind.CLOSED)
            is NyckelException.NotFound -> Problem(Kind.NOT_FOUND)
            is NyckelException.EnrollmentNotFound -> Problem(Kind.ENROLLMENT_NOT_FOUND)
            is NyckelException.NoVault -> Problem(Kind.STORAGE, e.message)
            is NyckelException.AlreadyExists -> Problem(Kind.STORAGE, e.message)
            is NyckelException.Damaged -> Problem(Kind.DAMAGED, e.reason)
            is NyckelException.TooNew -> Problem(Kind.TOO_NEW)
            is NyckelException.NoPlatformKey -> Problem(Kind.NO_PLATFORM_KEY)
            is NyckelException.UserCancelled -> Problem(Kind.USER_CANCELLED)
            is NyckelException.KeyInvalidated -> Problem(Kind.KEY_INVALIDATED)
            is NyckelException.KeyUnavailable -> Problem(Kind.KEY_UNAVAILABLE, e.reason)
            is NyckelException.KeyProtector -> Problem(Kind.KEY_FAILED, e.reason)
            is NyckelException.Storage -> Problem(Kind.STORAGE, e.reason)
            is NyckelException.Internal -> Problem(Kind.UNEXPECTED, e.reason)
            else -> ApprovalProblems.of(e) ?: Problem(Kind.UNEXPECTED, e.javaClass.simpleName)
        }
    }
}
