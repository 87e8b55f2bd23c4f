package app.nyckel.app.logic

/**
 * When the vault is locked again after the app left the foreground.
 *
 * The app is locked on start (the vault is opened locked). After that, going to the background
 * starts a clock; coming back after [timeoutSeconds] or more (0 = at once) locks. The app also
 * schedules a timer so the key is wiped from memory while in the background, but a frozen
 * process may miss it, so [onForeground] decides again from the recorded time.
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

    @Volatile
    private var backgroundedAt: Long? = null

    init {
        require(timeoutSeconds >= 0) { "timeout must not be negative" }
    }

    /** The app went to the background. Returns the delay (ms) after which [shouldLockNow] turns true. */
    fun onBackground(): Long {
        backgroundedAt = nowMillis()
        return timeoutSeconds * 1000
    }

    /** True while in the background for at least the timeout (the background timer asks this). */
    fun shouldLockNow(): Boolean {
        val at = backgroundedAt ?: return false
        return nowMillis() - at >= timeoutSeconds * 1000
    }

    /** The app came back; true when the vault must be locked before anything is shown. */
    fun onForeground(): Boolean {
        val lock = shouldLockNow()
        backgroundedAt = null
        return lock
    }

    companion object {
        /** The choices offered in settings, in seconds (0 = immediately). */
        val CHOICES: List<Long> = listOf(0, 30, 60, 300)
        const val DEFAULT_SECONDS: Long = 30
    }
}
