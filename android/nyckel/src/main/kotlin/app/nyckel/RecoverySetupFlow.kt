package app.nyckel

/**
 * First-run recovery for a vault opened by biometrics (docs/recovery.md §5): a recovery
 * passphrase the user chooses, or a recovery code Nyckel generates (`generateRecoveryCode`)
 * that the user writes down and types back, checked group by group (`checkRecoveryCode`).
 * Either becomes the vault's passphrase (`setPassphrase`), so the vault opens again after the
 * biometric key is invalidated, and is the password a backup is restored with. Skipping is a
 * choice the screen must warn about.
 *
 * Plain Kotlin/JVM (tested on the JVM against a real vault); NyckelKit has the same flow
 * (`RecoverySetupFlow.swift`). [setSecret] blocks (Argon2id): call the flow off the main thread.
 */
class RecoverySetupFlow(private val setSecret: (String) -> Unit) {
    sealed interface Step {
        /** Passphrase or code (or skip). */
        data object Choose : Step

        /** Typing a passphrase twice. */
        data object Passphrase : Step

        /** Write this down; then [codeWrittenDown]. */
        class ShowCode(val code: String) : Step {
            override fun toString() = "ShowCode(<redacted>)"
        }

        /** Type the code back from what was written down. */
        data object ConfirmCode : Step

        /** Set: the vault opens with it; [byCode] says which kind. */
        data class Done(val byCode: Boolean) : Step

        /** The user chose biometrics only. */
        data object Skipped : Step
    }

    /** Problems the flow finds itself; the library's are in [error]. */
    enum class Local { TOO_SHORT, MISMATCH, NOT_THE_CODE_SHOWN }

    @Volatile var step: Step = Step.Choose
        private set
    @Volatile var error: NyckelException? = null
        private set
    @Volatile var local: Local? = null
        private set

    private var code: String? = null

    fun choosePassphrase() {
        if (step != Step.Choose) return
        clear()
        step = Step.Passphrase
    }

    /** Generates a code and shows it. */
    fun chooseCode() {
        if (step != Step.Choose) return
        clear()
        try {
            val generated = generateRecoveryCode()
            code = generated
            step = Step.ShowCode(generated)
        } catch (e: NyckelException) {
            error = e
        }
    }

    fun codeWrittenDown() {
        if (step !is Step.ShowCode) return
        step = Step.ConfirmCode
    }

    /** Back from typing to showing the code again. */
    fun showCodeAgain() {
        val c = code ?: return
        if (step != Step.ConfirmCode) return
        clear()
        step = Step.ShowCode(c)
    }

    /** The code typed back: the library checks each group; it must be the code shown. */
    fun confirmCode(typed: String) {
        if (step != Step.ConfirmCode) return
        val shown = code ?: return
        clear()
        val checked = try {
            checkRecoveryCode(typed)
        } catch (e: NyckelException) {
            error = e
            return
        }
        if (checked != shown) {
            local = Local.NOT_THE_CODE_SHOWN
            return
        }
        set(shown, byCode = true)
    }

    fun submitPassphrase(passphrase: String, confirm: String) {
        if (step != Step.Passphrase) return
        clear()
        local = passphraseProblem(passphrase, confirm)
        if (local == null) set(passphrase, byCode = false)
    }

    /** Back to the choice (forgets a generated code). */
    fun back() {
        if (step is Step.Done || step == Step.Skipped) return
        clear()
        code = null
        step = Step.Choose
    }

    fun skip() {
        if (step != Step.Choose) return
        clear()
        step = Step.Skipped
    }

    private fun set(secret: String, byCode: Boolean) {
        try {
            setSecret(secret)
            code = null
            step = Step.Done(byCode)
        } catch (e: NyckelException) {
            error = e
        }
    }

    private fun clear() {
        error = null
        local = null
    }

    companion object {
        /** The shortest recovery passphrase (it also protects backups that may leave the phone). */
        const val MIN_PASSPHRASE = 10

        fun passphraseProblem(passphrase: String, confirm: String): Local? = when {
            passphrase.trim().length < MIN_PASSPHRASE -> Local.TOO_SHORT
            passphrase != confirm -> Local.MISMATCH
            else -> null
        }

        /**
         * What a "recovery passphrase or code" field holds, as the vault and backups expect
         * it: a recovery code typed in any case or spacing becomes the code as written;
         * anything else is a passphrase, unchanged.
         */
        fun recoverySecret(typed: String): String =
            try { checkRecoveryCode(typed) } catch (e: NyckelException) { typed }
    }
}
