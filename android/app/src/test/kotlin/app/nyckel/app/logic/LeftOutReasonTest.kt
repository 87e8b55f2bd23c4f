package app.nyckel.app.logic

import app.nyckel.GoogleLimit
import app.nyckel.LeftOutCause
import app.nyckel.app.logic.LeftOutReason.Kind
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

/**
 * What stays behind on a backup or a move says why in the app's language (the strings the
 * phone shows, from `values/` and `values-sv/`), not in the library's English.
 */
class LeftOutReasonTest {
    /** The reason [cause] becomes, and its sentence in each language (with `%1$s` filled). */
    private fun says(cause: LeftOutCause, kind: Kind, en: List<String>, sv: List<String>) {
        val reason = LeftOutReason.of(cause)
        assertEquals(kind, reason.kind, "$cause")
        val english = AppStrings.english.getValue(kind.resourceName).replace("%1\$s", reason.issuer)
        val swedish = AppStrings.swedish.getValue(kind.resourceName).replace("%1\$s", reason.issuer)
        en.forEach { assertTrue(english.contains(it), "English for $cause lacks \"$it\": $english") }
        sv.forEach { assertTrue(swedish.contains(it), "Swedish for $cause lacks \"$it\": $swedish") }
    }

    @Test
    fun `device-bound sign-in approvals are set up again on the new phone`() {
        says(LeftOutCause.DeviceBound(false), Kind.DEVICE_BOUND,
            en = listOf("Sign-in approvals use keys bound to this phone", "set them up again on the new phone"),
            sv = listOf("Inloggningsgodkännanden använder nycklar", "lägg till dem igen på den nya telefonen"))
        says(LeftOutCause.DeviceBound(true), Kind.DEVICE_BOUND_PHONE_SIGNIN,
            en = listOf("Sign-in approvals and phone sign-in", "set them up again on the new phone"),
            sv = listOf("Inloggningsgodkännanden och telefoninloggning", "lägg till dem igen på den nya telefonen"))
    }

    @Test
    fun `a managed one-time code is set up again, with its organisation when it sent nothing`() {
        says(LeftOutCause.ManagedOtp, Kind.MANAGED_OTP,
            en = listOf("managed by your organisation", "set the account up again on the new phone"),
            sv = listOf("hanteras av din organisation", "lägg till kontot igen på den nya telefonen"))
        says(LeftOutCause.ManagedOtpNotSent("Region Skåne"), Kind.MANAGED_OTP_NOT_SENT,
            en = listOf("did not send it for the new phone", "set the account up again with Region Skåne."),
            sv = listOf("inte skickade den till den nya telefonen", "lägg till kontot igen hos Region Skåne."))
    }

    @Test
    fun `what Google Authenticator's format cannot hold is named`() {
        says(LeftOutCause.NotInGoogleFormat(GoogleLimit.STEAM), Kind.GOOGLE_STEAM,
            en = listOf("no Steam codes"), sv = listOf("inga Steam-koder"))
        says(LeftOutCause.NotInGoogleFormat(GoogleLimit.PERIOD), Kind.GOOGLE_PERIOD,
            en = listOf("30 seconds"), sv = listOf("30 sekunder"))
        says(LeftOutCause.NotInGoogleFormat(GoogleLimit.COUNTER), Kind.GOOGLE_COUNTER,
            en = listOf("counter"), sv = listOf("räknare"))
        says(LeftOutCause.NotInGoogleFormat(GoogleLimit.DIGITS), Kind.GOOGLE_DIGITS,
            en = listOf("6 or 8 digits"), sv = listOf("6 eller 8 siffror"))
    }

    /**
     * Every kind has its sentence in both languages, and the screens' `leftOutText` (Compose,
     * not compiled here) picks the resource [Kind.resourceName] names. `LeftOutReason.of` is an
     * exhaustive `when` without `else`: a new cause does not compile until it has a kind.
     */
    @Test
    fun `every reason has a sentence in both languages and the screen shows it`() {
        val screen = java.io.File(AppStrings.appDir, "src/main/kotlin/app/nyckel/app/ui/common/LeftOutText.kt").readText()
        for (kind in Kind.values()) {
            val en = AppStrings.english[kind.resourceName]
            val sv = AppStrings.swedish[kind.resourceName]
            assertTrue(!en.isNullOrBlank() && !sv.isNullOrBlank(), "$kind: en=$en sv=$sv")
            assertNotEquals(en, sv, "$kind is translated")
            assertTrue(screen.contains("Kind.$kind -> stringResource(R.string.${kind.resourceName}"), "LeftOutText shows $kind")
        }
    }
}
