package app.nyckel.app.logic

/**
 * Time left on a sign-in request, counted down locally from the `secondsLeft` the library
 * computed with the provider's clock when the request was fetched. A monotonic clock is used
 * so changing the phone's time does not change the countdown.
 */
class Countdown(
    private val secondsLeftAtFetch: Long,
    private val fetchedAtMillis: Long,
) {
    /** Whole seconds left at [nowMillis] (never negative). */
    fun secondsLeft(nowMillis: Long): Long {
        val elapsed = ((nowMillis - fetchedAtMillis).coerceAtLeast(0)) / 1000
        return (secondsLeftAtFetch - elapsed).coerceAtLeast(0)
    }

    fun isExpired(nowMillis: Long): Boolean = secondsLeft(nowMillis) == 0L

    companion object {
        /** "1:05", "0:09". */
        fun format(seconds: Long): String {
            val s = seconds.coerceAtLeast(0)
            return "%d:%02d".format(s / 60, s % 60)
        }
    }
}
