package app.nyckel.app.ui.common

import androidx.compose.runtime.Composable
import androidx.compose.ui.res.stringResource
import app.nyckel.app.R
import app.nyckel.app.logic.Problem
import app.nyckel.app.logic.Problem.Kind

/**
 * The sentence a screen shows for a [Problem]; the library's reason is appended where it helps.
 * Each kind's resource is the one named by [Kind.resourceName] (ProblemTest checks this file).
 */
@Composable
fun problemText(problem: Problem): String {
    val text = stringResource(
        when (problem.kind) {
            Kind.ALREADY_ADDED -> R.string.problem_already_added
            Kind.INVALID_CODE -> R.string.problem_invalid_code
            Kind.INVALID_INPUT -> R.string.problem_invalid_input
            Kind.NOT_AN_ACCOUNT -> R.string.problem_not_an_account
            Kind.GOOGLE_MIGRATION -> R.string.problem_google_migration
            Kind.NO_QR_FOUND -> R.string.problem_no_qr_found
            Kind.NOT_A_TRANSFER_CODE -> R.string.problem_not_a_transfer_code
            Kind.BACKUP_NOT_SAVED -> R.string.problem_backup_not_saved
            Kind.FILE_NOT_READ -> R.string.problem_file_not_read
            Kind.WRONG_PASSPHRASE -> R.string.problem_wrong_passphrase
            Kind.LOCKED -> R.string.problem_locked
            Kind.CLOSED -> R.string.problem_closed
            Kind.USER_CANCELLED -> R.string.problem_user_cancelled
            Kind.KEY_INVALIDATED -> R.string.problem_key_invalidated
            Kind.KEY_UNAVAILABLE -> R.string.problem_key_unavailable
            Kind.KEY_FAILED -> R.string.problem_key_failed
            Kind.NO_PLATFORM_KEY -> R.string.problem_no_platform_key
            Kind.NOT_FOUND -> R.string.problem_not_found
            Kind.STORAGE -> R.string.problem_storage
            Kind.STORAGE_DISK_FULL -> R.string.problem_storage_disk_full
            Kind.STORAGE_FILE_TOO_LARGE -> R.string.problem_storage_file_too_large
            Kind.STORAGE_READ_ONLY -> R.string.problem_storage_read_only
            Kind.STORAGE_PERMISSION_DENIED -> R.string.problem_storage_permission_denied
            Kind.STORAGE_BUSY -> R.string.problem_storage_busy
            Kind.STORAGE_IO -> R.string.problem_storage_io
            Kind.DAMAGED -> R.string.problem_damaged
            Kind.TOO_NEW -> R.string.problem_too_new
            Kind.NO_VAULT -> R.string.problem_no_vault
            Kind.ALREADY_EXISTS -> R.string.problem_already_exists
            Kind.ENROLLMENT_NOT_FOUND -> R.string.problem_enrollment_not_found
            Kind.WRONG_NUMBER -> R.string.problem_wrong_number
            Kind.REQUEST_EXPIRED -> R.string.problem_request_expired
            Kind.REQUEST_NOT_PENDING -> R.string.problem_request_not_pending
            Kind.REQUEST_NOT_FOUND -> R.string.problem_request_not_found
            Kind.BUSY -> R.string.problem_busy
            Kind.INVALID_NUMBER -> R.string.problem_invalid_number
            Kind.PROVIDER_UNREACHABLE -> R.string.problem_provider_unreachable
            Kind.PROVIDER_REFUSED -> R.string.problem_provider_refused
            Kind.PROVIDER_UNTRUSTED -> R.string.problem_provider_untrusted
            Kind.PHONE_SIGNIN_NOT_ENABLED -> R.string.problem_phone_signin_not_enabled
            Kind.DEVICE_REVOKED -> R.string.problem_device_revoked
            Kind.DEVICE_KEY_UNAVAILABLE -> R.string.problem_device_key_unavailable
            Kind.ENROLLMENT_UNUSABLE -> R.string.problem_enrollment_unusable
            Kind.USER_VERIFICATION_FAILED -> R.string.problem_user_verification_failed
            Kind.PHONE_SIGNIN_KEY_UNAVAILABLE -> R.string.problem_phone_signin_key_unavailable
            Kind.ENROLLMENT_INVALID -> R.string.problem_enrollment_invalid
            Kind.UNEXPECTED -> R.string.problem_unexpected
        },
    )
    val showDetail = problem.kind in setOf(
        Kind.INVALID_CODE, Kind.INVALID_INPUT, Kind.PROVIDER_UNREACHABLE, Kind.PROVIDER_REFUSED, Kind.PROVIDER_UNTRUSTED,
        Kind.ENROLLMENT_INVALID, Kind.DAMAGED, Kind.UNEXPECTED, Kind.KEY_UNAVAILABLE, Kind.DEVICE_KEY_UNAVAILABLE,
        Kind.PHONE_SIGNIN_KEY_UNAVAILABLE, Kind.ENROLLMENT_UNUSABLE,
    )
    return if (showDetail && !problem.detail.isNullOrBlank()) "$text (${problem.detail})" else text
}
