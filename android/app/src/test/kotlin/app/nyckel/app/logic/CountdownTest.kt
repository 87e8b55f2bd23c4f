package app.nyckel.app.logic

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class CountdownTest {
    @Test
    fun `counts down from the fetched value on a monotonic clock`() {
        val c = Countdown(secondsLeftAtFetch = 90, fetchedAtMillis = 5_000)
        assertEquals(90, c.secondsLeft(5_000))
        assertEquals(90, c.secondsLeft(5_999))
        assertEquals(89, c.secondsLeft(6_000))
        assertEquals(0, c.secondsLeft(5_000 + 91_000))
        assertTrue(c.isExpired(5_000 + 90_000))
        assertFalse(c.isExpired(5_000 + 89_999))
        assertEquals(90, c.secondsLeft(1_000), "a clock before the fetch counts as no time passed")
    }

    @Test
    fun `formats minutes and seconds`() {
        assertEquals("2:00", Countdown.format(120))
        assertEquals("1:05", Countdown.format(65))
        assertEquals("0:09", Countdown.format(9))
        assertEquals("0:00", Countdown.format(-3))
    }
}
