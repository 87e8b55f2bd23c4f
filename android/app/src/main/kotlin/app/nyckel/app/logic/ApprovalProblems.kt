package app.nyckel.app.logic

import app.nyckel.NyckelException
import app.nyckel.app.logic.Problem.Kind

/**
 * The approval-flow errors (issue 4), from the `NyckelError` variants added with
 * `NyckelApprovals` (bindings/src/error.rs). Kept apart from [Problem] so the names to check
 * against the bindings are in one place (docs/apps.md).
 */
object ApprovalProblems {
    /**
     * Answers after which this request cannot be answered any more (the screen says so and
     * moves on); anything else (no network, prompt cancelled, key busy) leaves it answerable.
     */
    val FINAL: Set<Kind> = setOf(
        Kind.WRONG_NUMBER, Kind.REQUEST_EXPIRED, Kind.REQUEST_NOT_PENDING, Kind.REQUEST_NOT_FOUND, Kind.DEVICE_REVOKED,
    )

    fun isFinal(problem: Problem): Boolean = problem.kind in FINAL

    fun of(e: NyckelException): Problem? = when (e) {
        is NyckelException.WrongNumber -> Problem(Kind.WRONG_NUMBER)
        is NyckelException.RequestExpired -> Problem(Kind.REQUEST_EXPIRED)
        is NyckelException.RequestNotPending -> Problem(Kind.REQUEST_NOT_PENDING)
        is NyckelException.RequestNotFound -> Problem(Kind.REQUEST_NOT_FOUND)
        is NyckelException.InvalidNumber -> Problem(Kind.INVALID_NUMBER)
        is NyckelException.PhoneSigninNotEnabled -> Problem(Kind.PHONE_SIGNIN_NOT_ENABLED)
        is NyckelException.DeviceRevoked -> Problem(Kind.DEVICE_REVOKED)
        is NyckelException.ProviderUnreachable -> Problem(Kind.PROVIDER_UNREACHABLE, e.reason)
        is NyckelException.ProviderRefused -> Problem(Kind.PROVIDER_REFUSED, e.reason)
        is NyckelException.ProviderUntrusted -> Problem(Kind.PROVIDER_UNTRUSTED, e.reason)
        is NyckelException.InvalidEnrollmentCode -> Problem(Kind.ENROLLMENT_INVALID, e.reason)
        is NyckelException.DeviceKeyUnavailable -> Problem(Kind.DEVICE_KEY_UNAVAILABLE, e.reason)
        is NyckelException.UserVerificationFailed -> Problem(Kind.USER_VERIFICATION_FAILED)
        is NyckelException.PhoneSigninKeyUnavailable -> Problem(Kind.PHONE_SIGNIN_KEY_UNAVAILABLE, e.reason)
        else -> null
    }
}
