package app.nyckel.app.logic

import app.nyckel.ErrorKind
import app.nyckel.FetchFailure
import app.nyckel.NextStep
import app.nyckel.NyckelException
import app.nyckel.TransferFailure
import app.nyckel.app.logic.Problem.Kind
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class ProblemTest {
    @Test
    fun `vault errors map to what the screens say`() {
        assertEquals(Problem(Kind.ALREADY_ADDED, nextStep = NextStep.NOTHING), Problem.of(NyckelException.Duplicate(4)))
        assertEquals(
            Problem(Kind.INVALID_CODE, "missing secret", nextStep = NextStep.FIX_INPUT),
            Problem.of(NyckelException.InvalidUri("missing secret")),
        )
        assertEquals(Kind.KEY_INVALIDATED, Problem.of(NyckelException.KeyInvalidated()).kind)
        assertEquals(NextStep.REENROL_PLATFORM_KEY, Problem.of(NyckelException.KeyInvalidated()).nextStep)
        assertEquals(Kind.WRONG_PASSPHRASE, Problem.of(NyckelException.WrongPassphrase()).kind)
        assertEquals(Kind.KEY_UNAVAILABLE, Problem.of(NyckelException.KeyUnavailable("lockout")).kind)
        assertEquals(Kind.NO_VAULT, Problem.of(NyckelException.NoVault("/v")).kind)
        assertEquals(Kind.ALREADY_EXISTS, Problem.of(NyckelException.AlreadyExists("/v-wal")).kind)
        assertTrue(AppStrings.english.getValue(Kind.NO_VAULT.resourceName).contains("restore your accounts from a backup"))
        assertTrue(AppStrings.swedish.getValue(Kind.NO_VAULT.resourceName).contains("återställ dina konton från en säkerhetskopia"))
        assertTrue(AppStrings.english.getValue(Kind.ALREADY_EXISTS.resourceName).contains("Nothing was changed or overwritten"))
        assertTrue(AppStrings.swedish.getValue(Kind.ALREADY_EXISTS.resourceName).contains("Inget ändrades eller skrevs över"))
        assertEquals(NextStep.CREATE_VAULT, Problem.of(NyckelException.NoVault("/v")).nextStep)
        assertEquals(Kind.UNEXPECTED, Problem.of(IllegalStateException("boom")).kind)
    }

    @Test
    fun `a cancelled prompt is silent`() {
        assertTrue(Problem.of(NyckelException.UserCancelled()).isSilent)
        assertFalse(Problem.of(NyckelException.Locked()).isSilent)
    }

    /**
     * Every kind has its sentence in English and Swedish, and the screen's `problemText`
     * (Compose, not compiled here) picks the resource [Kind.resourceName] names.
     */
    @Test
    fun `every kind has a sentence in both languages and the screen shows it`() {
        val screen = java.io.File(AppStrings.appDir, "src/main/kotlin/app/nyckel/app/ui/common/ProblemText.kt").readText()
        for (kind in Kind.values()) {
            val en = AppStrings.english[kind.resourceName]
            val sv = AppStrings.swedish[kind.resourceName]
            assertTrue(!en.isNullOrBlank() && !sv.isNullOrBlank(), "$kind: en=$en sv=$sv")
            assertNotEquals(en, sv, "$kind is translated")
            assertTrue(screen.contains("Kind.$kind -> R.string.${kind.resourceName}\n"), "ProblemText shows $kind")
        }
    }

    /**
     * A provider's failure reported beside a result (the pending list's, a move's row) is its
     * kind's sentence in the app's language; the library's English reason is only the detail.
     */
    @Test
    fun `a fetch or transfer failure is its kind's sentence, not the library's English`() {
        val fetch = Problem.of(FetchFailure(7, ErrorKind.DEVICE_REVOKED, NextStep.ENROLL_AGAIN, "this device was revoked"))
        assertEquals(Problem(Kind.DEVICE_REVOKED, "this device was revoked", nextStep = NextStep.ENROLL_AGAIN), fetch)
        val moved = Problem.of(TransferFailure(ErrorKind.INVALID_ENROLLMENT_CODE, NextStep.NEW_ENROLLMENT_CODE, "the code was used"))
        assertEquals(Problem(Kind.ENROLLMENT_INVALID, "the code was used", nextStep = NextStep.NEW_ENROLLMENT_CODE), moved)
        assertEquals(Kind.PROVIDER_UNREACHABLE,
            Problem.of(FetchFailure(1, ErrorKind.PROVIDER_UNREACHABLE, NextStep.CHECK_NETWORK, "timed out")).kind)
        for (p in listOf(fetch, moved)) {
            assertTrue(AppStrings.swedish.getValue(p.kind.resourceName).isNotBlank())
            assertFalse(AppStrings.swedish.getValue(p.kind.resourceName).contains(p.detail!!), "the sentence is not the reason")
        }
        assertTrue(AppStrings.swedish.getValue(Kind.DEVICE_REVOKED.resourceName).contains("organisation"))
    }
}
