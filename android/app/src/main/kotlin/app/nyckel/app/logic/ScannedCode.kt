package app.nyckel.app.logic

/**
 * What a QR code (camera, image, pasted text, deep link) holds, as far as the app needs to
 * route it. Only the scheme is looked at here; the library parses and validates the rest
 * (`parseUri` for otpauth, `NyckelApprovals.enroll` for enrollment codes).
 */
sealed interface ScannedCode {
    /** An `otpauth://` account: show the `parseUri` preview, then `addUri`. */
    data class Otp(val uri: String) : ScannedCode {
        override fun toString() = "Otp(<redacted>)" // never log a secret
    }

    /** A `nyckel-enroll://` push-approval enrollment: show the enrollment screen. */
    data class Enrollment(val uri: String) : ScannedCode {
        override fun toString() = "Enrollment(<redacted>)" // activation codes are single-use secrets
    }

    /** Google Authenticator's export format: not supported (yet); say so instead of "invalid". */
    data object GoogleMigration : ScannedCode

    /** Something else (a web link, a Wi-Fi code, …). */
    data object NotAnAccount : ScannedCode

    companion object {
        private const val OTP = "otpauth://"
        private const val ENROLL = "nyckel-enroll://"
        private const val MIGRATION = "otpauth-migration://"

        /** Classifies scanned text. Schemes are case-insensitive; surrounding whitespace is ignored. */
        fun classify(text: String): ScannedCode {
            val t = text.trim()
            return when {
                t.startsWith(MIGRATION, ignoreCase = true) -> GoogleMigration
                t.startsWith(OTP, ignoreCase = true) -> Otp(t)
                t.startsWith(ENROLL, ignoreCase = true) -> Enrollment(t)
                else -> NotAnAccount
            }
        }

        /**
         * The first usable code among several decoded from one camera frame or image (a photo
         * may contain more than one QR code): accounts and enrollments win over anything else.
         */
        fun firstUsable(texts: List<String>): ScannedCode? {
            val all = texts.map(::classify)
            return all.firstOrNull { it is Otp || it is Enrollment } ?: all.firstOrNull()
        }
    }
}
