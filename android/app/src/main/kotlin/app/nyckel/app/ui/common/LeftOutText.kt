package app.nyckel.app.ui.common

import androidx.compose.runtime.Composable
import androidx.compose.ui.res.stringResource
import app.nyckel.LeftOutCause
import app.nyckel.app.R
import app.nyckel.app.logic.LeftOutReason
import app.nyckel.app.logic.LeftOutReason.Kind

/**
 * Why something stays behind, in the app's language ([LeftOutReason]; each kind's resource
 * is the one [Kind.resourceName] names: LeftOutReasonTest checks this file).
 */
@Composable
fun leftOutText(cause: LeftOutCause): String {
    val reason = LeftOutReason.of(cause)
    return when (reason.kind) {
        Kind.DEVICE_BOUND -> stringResource(R.string.left_out_device_bound)
        Kind.DEVICE_BOUND_PHONE_SIGNIN -> stringResource(R.string.left_out_device_bound_phone_signin)
        Kind.MANAGED_OTP -> stringResource(R.string.left_out_managed_otp)
        Kind.MANAGED_OTP_NOT_SENT -> stringResource(R.string.left_out_managed_otp_not_sent, reason.issuer)
        Kind.GOOGLE_STEAM -> stringResource(R.string.left_out_google_steam)
        Kind.GOOGLE_PERIOD -> stringResource(R.string.left_out_google_period)
        Kind.GOOGLE_COUNTER -> stringResource(R.string.left_out_google_counter)
        Kind.GOOGLE_DIGITS -> stringResource(R.string.left_out_google_digits)
    }
}
