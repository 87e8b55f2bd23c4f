package app.nyckel.app

import android.os.SystemClock
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import app.nyckel.app.logic.AutoLockPolicy
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

/**
 * Observes the whole process (ProcessLifecycleOwner): in the background for the configured time
 * → `lock()` (the vault key is wiped from memory). The decision is [AutoLockPolicy]'s
 * (JVM-tested); this class only connects it to the lifecycle and a timer.
 */
class AutoLockObserver(
    private val session: VaultSession,
    private val settings: AppSettings,
    private val scope: CoroutineScope,
) : DefaultLifecycleObserver {
    private val policy = AutoLockPolicy(settings.lockTimeoutSeconds) { SystemClock.elapsedRealtime() }
    private var timer: Job? = null

    override fun onStop(owner: LifecycleOwner) {
        policy.timeoutSeconds = settings.lockTimeoutSeconds
        val delayMillis = policy.onBackground()
        timer?.cancel()
        timer = scope.launch {
            delay(delayMillis)
            if (policy.shouldLockNow()) session.lock()
        }
    }

    /**
     * Call just before starting an activity for a result (photo picker, permission dialog):
     * the trip to the background it causes does not lock at once ([AutoLockPolicy.expectResult]).
     * Use [app.nyckel.app.ui.common.rememberLauncherKeepingUnlocked] rather than calling this.
     */
    fun expectResult() = policy.expectResult()

    /** The result arrived, or the launch failed. */
    fun resultArrived() = policy.resultArrived()

    override fun onStart(owner: LifecycleOwner) {
        timer?.cancel()
        timer = null
        if (policy.onForeground()) session.lock()
    }
}
