package app.nyckel.app.logic

import app.nyckel.HashAlgorithm
import app.nyckel.ManualAccount
import app.nyckel.OtpKind

/**
 * The manual-entry form ("Enter a setup key"): text fields as typed, checked for what the UI
 * can tell by itself (required fields, numbers). The library validates the rest
 * (`addManual` → `InvalidInput(reason)`, e.g. a bad base32 secret) with the same parser a
 * scanned QR code goes through.
 */
data class ManualEntryForm(
    val kind: OtpKind = OtpKind.TOTP,
    val issuer: String = "",
    val name: String = "",
    val secret: String = "",
    val algorithm: HashAlgorithm = HashAlgorithm.SHA1,
    val digits: String = "6",
    val period: String = "30",
    val counter: String = "0",
    val note: String = "",
) {
    enum class Field { SECRET, NAME, DIGITS, PERIOD, COUNTER }

    enum class Problem { REQUIRED, NOT_A_NUMBER, OUT_OF_RANGE }

    /** Field errors to show under the fields; empty when [toManualAccount] may be called. */
    fun problems(): Map<Field, Problem> = buildMap {
        if (secret.isBlank()) put(Field.SECRET, Problem.REQUIRED)
        if (issuer.isBlank() && name.isBlank()) put(Field.NAME, Problem.REQUIRED)
        if (kind != OtpKind.STEAM) {
            number(digits)?.let { if (it !in 6L..10L) put(Field.DIGITS, Problem.OUT_OF_RANGE) }
                ?: put(Field.DIGITS, Problem.NOT_A_NUMBER)
        }
        if (kind != OtpKind.HOTP) {
            number(period)?.let { if (it !in 1L..3600L) put(Field.PERIOD, Problem.OUT_OF_RANGE) }
                ?: put(Field.PERIOD, Problem.NOT_A_NUMBER)
        } else {
            number(counter)?.let { if (it < 0) put(Field.COUNTER, Problem.OUT_OF_RANGE) }
                ?: put(Field.COUNTER, Problem.NOT_A_NUMBER)
        }
    }

    val isValid: Boolean get() = problems().isEmpty()

    /** The record for `addManual`. Fields that do not apply to [kind] are left to the defaults. */
    fun toManualAccount(): ManualAccount {
        check(isValid) { "form has problems: ${problems().keys}" }
        return ManualAccount(
            kind = kind,
            secret = secret.trim(),
            issuer = issuer.trim(),
            name = name.trim(),
            algorithm = if (kind == OtpKind.STEAM) null else algorithm,
            digits = if (kind == OtpKind.STEAM) null else number(digits)!!.toUInt(),
            period = if (kind == OtpKind.HOTP) null else number(period)!!.toUInt(),
            counter = if (kind == OtpKind.HOTP) number(counter)!!.toULong() else null,
            note = note.trim(),
        )
    }

    /** Never show the secret in logs or crash reports. */
    override fun toString() = "ManualEntryForm(kind=$kind, issuer=$issuer, name=$name, secret=<redacted>)"

    private fun number(text: String): Long? = text.trim().takeIf { it.isNotEmpty() && it.all(Char::isDigit) && it.length <= 18 }?.toLong()
}
