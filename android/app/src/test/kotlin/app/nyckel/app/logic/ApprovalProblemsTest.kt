package app.nyckel.app.logic

import app.nyckel.NyckelException
import app.nyckel.app.logic.Problem.Kind
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Needs bindings generated with `NyckelApprovals` (bindings/src/approvals.rs). */
class ApprovalProblemsTest {
    @Test
    fun `approval errors map to what the approval screen says`() {
        assertEquals(Kind.WRONG_NUMBER, Problem.of(NyckelException.WrongNumber()).kind)
        assertEquals(Kind.REQUEST_EXPIRED, Problem.of(NyckelException.RequestExpired()).kind)
        assertEquals(Kind.REQUEST_NOT_PENDING, Problem.of(NyckelException.RequestNotPending()).kind)
        assertEquals(Problem(Kind.PROVIDER_UNREACHABLE, "timeout"), Problem.of(NyckelException.ProviderUnreachable("timeout")))
        assertEquals(Problem(Kind.PROVIDER_REFUSED, "blocked"), Problem.of(NyckelException.ProviderRefused("blocked", "blocked")))
        assertEquals(Kind.ENROLLMENT_INVALID, Problem.of(NyckelException.InvalidEnrollmentCode("expired")).kind)
        assertEquals(Kind.USER_VERIFICATION_FAILED, Problem.of(NyckelException.UserVerificationFailed()).kind)
        assertEquals(Kind.PHONE_SIGNIN_NOT_ENABLED, Problem.of(NyckelException.PhoneSigninNotEnabled()).kind)
        // A lost phone sign-in key says "turn phone sign-in on again", not "the phone's key" (re-enroll).
        assertEquals(Problem(Kind.PHONE_SIGNIN_KEY_UNAVAILABLE, "invalidated"),
            Problem.of(NyckelException.PhoneSigninKeyUnavailable("invalidated")))
    }

    @Test
    fun `only provider-final answers end a request`() {
        assertTrue(ApprovalProblems.isFinal(Problem.of(NyckelException.WrongNumber())))
        assertTrue(ApprovalProblems.isFinal(Problem.of(NyckelException.DeviceRevoked())))
        assertFalse(ApprovalProblems.isFinal(Problem.of(NyckelException.ProviderUnreachable("offline"))))
        assertFalse(ApprovalProblems.isFinal(Problem.of(NyckelException.UserCancelled())))
        assertFalse(ApprovalProblems.isFinal(Problem.of(NyckelException.UserVerificationFailed())))
        assertFalse(ApprovalProblems.isFinal(Problem.of(NyckelException.PhoneSigninKeyUnavailable("gone"))))
        assertTrue(Problem.of(NyckelException.UserCancelled()).isSilent)
    }
}
