package app.nyckel

/**
 * Small idiomatic helpers over the generated bindings (`nyckel.kt`, package `app.nyckel`).
 * Plain Kotlin/JVM: no Android API, so they compile and are tested on the JVM.
 */

/** The code split in two halves for reading: "123 456", "1234 5678", "123 4567"; Steam codes unchanged. */
val CodeInfo.grouped: String
    get() = if (code.length < 6 || code.any { !it.isDigit() }) code
    else code.substring(0, code.length / 2) + " " + code.substring(code.length / 2)

/** Share of the period still left, 1.0 → 0.0 (for a countdown ring); null for HOTP. */
val CodeInfo.remainingFraction: Float?
    get() {
        val left = secondsLeft ?: return null
        val p = period ?: return null
        return if (p == 0u) null else left.toFloat() / p.toFloat()
    }

/**
 * True for the errors after which the app should show its unlock screen (the core's next step
 * is to unlock, or to unlock with the passphrase and enrol the key again).
 */
val NyckelException.needsUnlock: Boolean
    get() = nextStep() == NextStep.UNLOCK || nextStep() == NextStep.REENROL_PLATFORM_KEY

/** The display title of an account: "Issuer (name)", or whichever of the two exists. */
fun displayTitle(issuer: String, name: String): String = when {
    issuer.isNotEmpty() && name.isNotEmpty() -> "$issuer ($name)"
    issuer.isNotEmpty() -> issuer
    else -> name
}
