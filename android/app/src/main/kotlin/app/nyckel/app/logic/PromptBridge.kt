package app.nyckel.app.logic

import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.Semaphore
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/**
 * Hands a platform prompt (BiometricPrompt with a CryptoObject) from a worker thread that is
 * blocked inside a **synchronous** FFI call to the UI, and waits for the user.
 *
 * Why: every Nyckel call is synchronous. `unlockWithProtector` calls the vault-key protector,
 * and the approvals code calls `DeviceKeyStore.sign` for a phone-sign-in key, on the thread
 * that made the call (a `Dispatchers.IO` worker). The prompt must be shown on the UI thread
 * by the Activity that is on screen *now*, so the worker posts a [Prompt] to the attached
 * [Host] and blocks until the host completes it.
 *
 * Rules:
 * - awaiting on the UI thread is a bug (it would deadlock): [request] throws;
 * - one prompt at a time (fair queue); a second caller waits, within its own timeout;
 * - no host attached (the app is not on screen) → wait [hostWaitMillis] for one, else
 *   [Result.NoHost];
 * - the host goes away while a prompt is up ([detach]) → [Result.Cancelled];
 * - the worker gives up (timeout, interrupt) → the prompt is completed with
 *   [Result.TimedOut] / [Result.Cancelled] and the host's [Prompt.onAbandon] action takes
 *   the UI down; a late answer from the UI is ignored (a prompt completes exactly once).
 *
 * Plain Kotlin (`java.util.concurrent`), tested on the JVM; the Android host lives in
 * `security/BiometricHost.kt`.
 */
class PromptBridge<P, T>(
    private val isUiThread: () -> Boolean,
    private val hostWaitMillis: Long = 3_000,
) {
    /** Shows prompts. [show] is called on the worker thread: post to the UI thread, never block. */
    fun interface Host<P, T> {
        fun show(prompt: Prompt<P, T>)
    }

    sealed interface Result<out T> {
        data class Success<T>(val value: T) : Result<T>

        /** The user dismissed the prompt, or the screen showing it went away. */
        data object Cancelled : Result<Nothing>

        /** The platform refused (lockout, no biometrics enrolled, hardware busy); [reason] is for logs. */
        data class Failed(val reason: String) : Result<Nothing>

        /** No screen to show the prompt on (the app is in the background). */
        data object NoHost : Result<Nothing>

        /** Nobody answered in time. */
        data object TimedOut : Result<Nothing>
    }

    /** One prompt: [payload] for the host, completed exactly once. */
    class Prompt<P, T> internal constructor(val payload: P) {
        private val result = CompletableFuture<Result<T>>()
        private var abandonAction: (() -> Unit)? = null
        private var abandoned = false

        val isDone: Boolean get() = result.isDone

        fun succeed(value: T): Boolean = result.complete(Result.Success(value))
        fun cancel(): Boolean = result.complete(Result.Cancelled)
        fun fail(reason: String): Boolean = result.complete(Result.Failed(reason))

        /**
         * What to do if the waiting side gives up (dismiss the dialog). Runs at once (on this
         * thread) if it already did; otherwise on the worker thread that gives up.
         */
        fun onAbandon(action: () -> Unit) {
            val runNow = synchronized(this) {
                abandonAction = action
                abandoned
            }
            if (runNow) action()
        }

        internal fun abandon(reason: Result<T>) {
            if (!result.complete(reason)) return // answered meanwhile: nothing to take down
            val action = synchronized(this) {
                abandoned = true
                abandonAction
            }
            action?.invoke()
        }

        internal fun await(timeoutNanos: Long): Result<T> {
            try {
                return result.get(timeoutNanos.coerceAtLeast(0), TimeUnit.NANOSECONDS)
            } catch (e: TimeoutException) {
                abandon(Result.TimedOut)
            } catch (e: InterruptedException) {
                abandon(Result.Cancelled)
                Thread.currentThread().interrupt()
            } catch (e: ExecutionException) {
                abandon(Result.Failed(e.cause?.javaClass?.simpleName ?: "failed"))
            }
            return result.getNow(Result.Cancelled)
        }
    }

    private val lock = Object()
    private var host: Host<P, T>? = null
    private val active = LinkedHashSet<Prompt<P, T>>()
    private val serial = Semaphore(1, true)

    /** The Activity is on screen and can show prompts (call from `onCreate`). */
    fun attach(host: Host<P, T>) {
        synchronized(lock) {
            this.host = host
            lock.notifyAll()
        }
    }

    /** The Activity is going away (call from `onDestroy`): prompts it shows are cancelled. */
    fun detach(host: Host<P, T>) {
        val orphans = synchronized(lock) {
            if (this.host !== host) return
            this.host = null
            active.toList()
        }
        orphans.forEach { it.abandon(Result.Cancelled) }
    }

    val hasHost: Boolean get() = synchronized(lock) { host != null }

    /** Shows a prompt for [payload] and blocks until the user answered, or [timeoutMillis]. */
    fun request(payload: P, timeoutMillis: Long): Result<T> {
        check(!isUiThread()) { "a prompt is awaited on the UI thread: make Nyckel calls on a background dispatcher" }
        val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis)
        try {
            if (!serial.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) return Result.TimedOut
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            return Result.Cancelled
        }
        try {
            val prompt = Prompt<P, T>(payload)
            val target = try {
                awaitHostAndRegister(prompt, minOf(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(hostWaitMillis)))
            } catch (e: InterruptedException) {
                Thread.currentThread().interrupt()
                return Result.Cancelled
            } ?: return Result.NoHost
            try {
                try {
                    target.show(prompt)
                } catch (e: RuntimeException) {
                    prompt.fail("the prompt could not be shown: ${e.javaClass.simpleName}")
                }
                return prompt.await(deadline - System.nanoTime())
            } finally {
                synchronized(lock) { active.remove(prompt) }
            }
        } finally {
            serial.release()
        }
    }

    /** Waits for a host until [hostDeadline] and registers [prompt] under the same lock (so a detach sees it). */
    private fun awaitHostAndRegister(prompt: Prompt<P, T>, hostDeadline: Long): Host<P, T>? = synchronized(lock) {
        while (host == null) {
            val left = hostDeadline - System.nanoTime()
            if (left <= 0) return null
            TimeUnit.NANOSECONDS.timedWait(lock, left)
        }
        active += prompt
        host
    }
}
