package app.nyckel.app.logic

import app.nyckel.ActivityEvent
import app.nyckel.ActivityInfo
import app.nyckel.displayTitle

/** One line of the activity screen, localisable (the library's `summary` is English). */
data class ActivityRow(
    val id: Long,
    /** Unix seconds. */
    val at: Long,
    val kind: Kind,
    /** The account ("Region Skåne (anna)"), or for [Kind.OTHER] the library's English summary. */
    val subject: String,
    /** How many accounts an export covered (1 for a single QR). */
    val count: Int = 0,
    val format: String = "",
    /** Sign-ins: the requesting app and where from ("Stockholm, SE, 203.0.113.7"). */
    val app: String = "",
    val place: String = "",
    /** Sign-ins: `approved`, `denied`, `reported`, a provider error code, `not delivered`, `error`. */
    val result: String = "",
    val passwordless: Boolean = false,
) {
    enum class Kind {
        ADDED, EDITED, REMOVED, EXPORTED,
        ENROLLED, ENROLLMENT_REMOVED, PHONE_SIGNIN_ENABLED, PHONE_SIGNIN_DISABLED,
        SIGN_IN_APPROVED, SIGN_IN_DENIED, SIGN_IN_REPORTED, SIGN_IN_FAILED,
        OTHER,
    }

    companion object {
        fun of(info: ActivityInfo): ActivityRow = when (val e = info.event) {
            is ActivityEvent.AccountAdded -> ActivityRow(info.id, info.at, Kind.ADDED, displayTitle(e.issuer, e.name))
            is ActivityEvent.AccountEdited -> ActivityRow(info.id, info.at, Kind.EDITED, displayTitle(e.issuer, e.name))
            is ActivityEvent.AccountRemoved -> ActivityRow(info.id, info.at, Kind.REMOVED, displayTitle(e.issuer, e.name))
            is ActivityEvent.Exported -> ActivityRow(info.id, info.at, Kind.EXPORTED, "", e.accountIds.size, e.format)
            is ActivityEvent.Enrolled -> ActivityRow(info.id, info.at, Kind.ENROLLED, e.accountName, app = e.provider)
            is ActivityEvent.EnrollmentRemoved -> ActivityRow(info.id, info.at, Kind.ENROLLMENT_REMOVED, e.accountName, app = e.provider)
            is ActivityEvent.PhoneSignin -> ActivityRow(
                info.id, info.at, if (e.enabled) Kind.PHONE_SIGNIN_ENABLED else Kind.PHONE_SIGNIN_DISABLED, e.accountName,
            )
            is ActivityEvent.SignIn -> ActivityRow(
                id = info.id,
                at = info.at,
                kind = signInKind(e.result),
                subject = e.accountName,
                app = e.app,
                place = listOf(e.location, e.ip).filter { it.isNotEmpty() }.joinToString(", "),
                result = e.result,
                passwordless = e.passwordless,
            )
            is ActivityEvent.Other -> ActivityRow(info.id, info.at, Kind.OTHER, info.summary)
        }

        /** What happened to a sign-in, by the provider's answer (not by what the user tapped). */
        fun signInKind(result: String): Kind = when (result) {
            "approved" -> Kind.SIGN_IN_APPROVED
            "denied" -> Kind.SIGN_IN_DENIED
            "reported" -> Kind.SIGN_IN_REPORTED
            else -> Kind.SIGN_IN_FAILED
        }
    }
}
