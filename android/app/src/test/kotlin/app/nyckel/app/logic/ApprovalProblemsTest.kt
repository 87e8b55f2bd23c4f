package app.nyckel.app.logic

import app.nyckel.ErrorKind
import app.nyckel.NextStep
import app.nyckel.NyckelException
import app.nyckel.app.logic.Problem.Kind
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * The approval screens render what the library decided (bindings/src/error.rs, core's
 * `error` module): the kind, whether the request is over, the next step. Calls into the
 * native library (`kind()`, `endsRequest()`, `nextStep()` are the core's answers).
 */
class ApprovalProblemsTest {
    @Test
    fun `approval errors map to what the approval screen says`() {
        assertEquals(Kind.WRONG_NUMBER, Problem.of(NyckelException.WrongNumber()).kind)
        assertEquals(Kind.REQUEST_EXPIRED, Problem.of(NyckelException.RequestExpired()).kind)
        assertEquals(Kind.REQUEST_NOT_PENDING, Problem.of(NyckelException.RequestNotPending()).kind)
        assertEquals(Kind.BUSY, Problem.of(NyckelException.Busy()).kind)
        assertEquals(
            Problem(Kind.PROVIDER_UNREACHABLE, "timeout", false, NextStep.TRY_LATER),
            Problem.of(NyckelException.ProviderUnreachable("timeout")),
        )
        assertEquals("blocked", Problem.of(NyckelException.ProviderRefused("blocked", "blocked")).detail)
        assertEquals(Kind.PROVIDER_REFUSED, Problem.of(NyckelException.ProviderRefused("blocked", "blocked")).kind)
        assertEquals(Kind.ENROLLMENT_INVALID, Problem.of(NyckelException.InvalidEnrollmentCode("expired")).kind)
        assertEquals(Kind.USER_VERIFICATION_FAILED, Problem.of(NyckelException.UserVerificationFailed()).kind)
        assertEquals(Kind.PHONE_SIGNIN_NOT_ENABLED, Problem.of(NyckelException.PhoneSigninNotEnabled()).kind)
        // A lost phone sign-in key says "turn phone sign-in on again", not "the phone's key" (re-enroll).
        assertEquals(
            Problem(Kind.PHONE_SIGNIN_KEY_UNAVAILABLE, "invalidated", false, NextStep.REENABLE_PHONE_SIGNIN),
            Problem.of(NyckelException.PhoneSigninKeyUnavailable("invalidated")),
        )
        assertEquals(NextStep.ENROLL_AGAIN, Problem.of(NyckelException.EnrollmentUnusable("key gone")).nextStep)
    }

    @Test
    fun `only the answers the library calls final end a request`() {
        assertTrue(Problem.of(NyckelException.WrongNumber()).endsRequest)
        assertTrue(Problem.of(NyckelException.RequestNotFound()).endsRequest)
        assertTrue(Problem.of(NyckelException.DeviceRevoked()).endsRequest)
        assertFalse(Problem.of(NyckelException.Busy()).endsRequest, "nothing was sent: still answerable")
        assertFalse(Problem.of(NyckelException.ProviderUnreachable("offline")).endsRequest)
        assertFalse(Problem.of(NyckelException.UserCancelled()).endsRequest)
        assertFalse(Problem.of(NyckelException.UserVerificationFailed()).endsRequest)
        assertFalse(Problem.of(NyckelException.PhoneSigninKeyUnavailable("gone")).endsRequest)
        assertTrue(Problem.of(NyckelException.UserCancelled()).isSilent)
        assertEquals(NextStep.NOTHING, Problem.of(NyckelException.UserCancelled()).nextStep)
    }

    @Test
    fun `every kind the library reports has a sentence`() {
        // `kindOf` is an exhaustive `when`: a new kind fails to compile. Only a bug is UNEXPECTED.
        val unexpected = ErrorKind.entries.filter { Problem.kindOf(it) == Kind.UNEXPECTED }
        assertEquals(listOf(ErrorKind.INTERNAL), unexpected)
    }
}
