package app.nyckel.app.logic

/**
 * When the vault is locked again after the app left the foreground.
 *
 * The app is locked on start (the vault is opened locked). After that, going to the background
 * starts a clock; coming back after [timeoutSeconds] or more (0 = at once) locks. The app also
 * schedules a timer so the key is wiped from memory while in the background, but a frozen
 * process may miss it, so [onForeground] decides again from the recorded time.
 *
 * **Activities opened for a result.** The system photo picker (and any other activity the app
 * starts for a result) puts the app in the background. With "lock immediately" that would
 * lock the vault and tear the screens down, and the picked image would be dropped. So the app
 * calls [expectResult] just before such a launch and [resultArrived] in its callback; a trip to
 * the background that starts while a result is expected uses at least [RESULT_GRACE_SECONDS]
 * instead of the user's timeout (a user who leaves the picker for longer still gets locked).
 * Coming back ends the grace whether or not the callback ran, so a lost callback cannot excuse
 * later trips.
 *
 * Plain Kotlin: [nowMillis] is a monotonic clock (`SystemClock.elapsedRealtime` on Android,
 * `System.nanoTime()/1e6` in tests), never the wall clock (the user could change it).
 */
class AutoLockPolicy(
    timeoutSeconds: Long,
    private val nowMillis: () -> Long,
) {
    @Volatile
    var timeoutSeconds: Long = timeoutSeconds
        set(value) {
            require(value >= 0) { "timeout must not be negative" }
            field = value
        }

    /** The current background trip: when it started and the timeout that applies to it. */
    private data class Trip(val at: Long, val timeoutMillis: Long)

    @Volatile
    private var trip: Trip? = null

    @Volatile
    private var awaitingResult = false

    init {
        require(timeoutSeconds >= 0) { "timeout must not be negative" }
    }

    /** The app is about to start an activity for a result (photo picker, permission dialog). */
    fun expectResult() {
        awaitingResult = true
    }

    /** That activity's result arrived (or its launch failed). */
    fun resultArrived() {
        awaitingResult = false
    }

    /** The app went to the background. Returns the delay (ms) after which [shouldLockNow] turns true. */
    fun onBackground(): Long {
        val seconds = if (awaitingResult) maxOf(timeoutSeconds, RESULT_GRACE_SECONDS) else timeoutSeconds
        val t = Trip(nowMillis(), seconds * 1000)
        trip = t
        return t.timeoutMillis
    }

    /** True while in the background for at least the trip's timeout (the background timer asks this). */
    fun shouldLockNow(): Boolean {
        val t = trip ?: return false
        return nowMillis() - t.at >= t.timeoutMillis
    }

    /** The app came back; true when the vault must be locked before anything is shown. */
    fun onForeground(): Boolean {
        val lock = shouldLockNow()
        trip = null
        awaitingResult = false
        return lock
    }

    companion object {
        /** The choices offered in settings, in seconds (0 = immediately). */
        val CHOICES: List<Long> = listOf(0, 30, 60, 300)
        const val DEFAULT_SECONDS: Long = 30

        /** How long an activity opened for a result may keep the app in the background unlocked. */
        const val RESULT_GRACE_SECONDS: Long = 120
    }
}
