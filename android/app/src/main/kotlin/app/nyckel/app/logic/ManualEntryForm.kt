package app.nyckel.app.logic

import app.nyckel.HashAlgorithm
import app.nyckel.ManualAccount
import app.nyckel.OtpKind

/**
 * The manual-entry form ("Enter a setup key"): text fields as typed, checked only for what the
 * record needs before it can be built (required fields; digits / period / counter are whole
 * numbers that fit its `UInt` / `ULong`). Ranges are **not** checked here: the library
 * validates them and everything else (`addManual` → `InvalidInput(reason)`: digits 1–10, a
 * period up to 86400 s, a bad base32 secret, …) with the same parser a scanned QR code goes
 * through, and its reason is shown. A second, narrower copy of those rules here would refuse
 * accounts the library accepts.
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

    enum class Problem { REQUIRED, NOT_A_NUMBER }

    /** Field errors to show under the fields; empty when [toManualAccount] may be called. */
    fun problems(): Map<Field, Problem> = buildMap {
        if (secret.isBlank()) put(Field.SECRET, Problem.REQUIRED)
        if (issuer.isBlank() && name.isBlank()) put(Field.NAME, Problem.REQUIRED)
        if (kind != OtpKind.STEAM && uint(digits) == null) put(Field.DIGITS, Problem.NOT_A_NUMBER)
        if (kind != OtpKind.HOTP) {
            if (uint(period) == null) put(Field.PERIOD, Problem.NOT_A_NUMBER)
        } else if (ulong(counter) == null) {
            put(Field.COUNTER, Problem.NOT_A_NUMBER)
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
            digits = if (kind == OtpKind.STEAM) null else uint(digits)!!,
            period = if (kind == OtpKind.HOTP) null else uint(period)!!,
            counter = if (kind == OtpKind.HOTP) ulong(counter)!! else null,
            note = note.trim(),
        )
    }

    /** Never show the secret in logs or crash reports. */
    override fun toString() = "ManualEntryForm(kind=$kind, issuer=$issuer, name=$name, secret=<redacted>)"

    /** Plain ASCII digits (no sign, no spaces inside) that fit the type; never wraps around. */
    private fun digitsOnly(text: String): String? = text.trim().takeIf { t -> t.isNotEmpty() && t.all { it in '0'..'9' } }
    private fun uint(text: String): UInt? = digitsOnly(text)?.toUIntOrNull()
    private fun ulong(text: String): ULong? = digitsOnly(text)?.toULongOrNull()
}
