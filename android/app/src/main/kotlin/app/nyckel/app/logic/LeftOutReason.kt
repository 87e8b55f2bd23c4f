package app.nyckel.app.logic

import app.nyckel.GoogleLimit
import app.nyckel.LeftOutCause

/**
 * Why something stays behind on a backup or a move to a new phone, as the screens say it: the
 * library's `LeftOut.cause`, one string resource per [Kind] (English + Swedish, named
 * [Kind.resourceName]); the library's `reason` is its English line, for logs. [issuer] is the
 * organisation to set the account up again with ([Kind.MANAGED_OTP_NOT_SENT] only).
 */
data class LeftOutReason(val kind: Kind, val issuer: String = "") {
    enum class Kind {
        DEVICE_BOUND, DEVICE_BOUND_PHONE_SIGNIN, MANAGED_OTP, MANAGED_OTP_NOT_SENT,
        GOOGLE_STEAM, GOOGLE_PERIOD, GOOGLE_COUNTER, GOOGLE_DIGITS,
        ;

        /** The name of its string resource (`values/strings.xml`, `values-sv/strings.xml`). */
        val resourceName: String get() = "left_out_" + name.lowercase()
    }

    companion object {
        /** Exhaustive: a cause added to the library fails to compile here until it has a sentence. */
        fun of(cause: LeftOutCause): LeftOutReason = when (cause) {
            is LeftOutCause.DeviceBound -> LeftOutReason(if (cause.phoneSignin) Kind.DEVICE_BOUND_PHONE_SIGNIN else Kind.DEVICE_BOUND)
            is LeftOutCause.ManagedOtp -> LeftOutReason(Kind.MANAGED_OTP)
            is LeftOutCause.ManagedOtpNotSent -> LeftOutReason(Kind.MANAGED_OTP_NOT_SENT, cause.issuer)
            is LeftOutCause.NotInGoogleFormat -> LeftOutReason(
                when (cause.limit) {
                    GoogleLimit.STEAM -> Kind.GOOGLE_STEAM
                    GoogleLimit.PERIOD -> Kind.GOOGLE_PERIOD
                    GoogleLimit.COUNTER -> Kind.GOOGLE_COUNTER
                    GoogleLimit.DIGITS -> Kind.GOOGLE_DIGITS
                },
            )
        }
    }
}
