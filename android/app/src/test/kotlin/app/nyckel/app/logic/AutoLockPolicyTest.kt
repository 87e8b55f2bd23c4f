package app.nyckel.app.logic

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class AutoLockPolicyTest {
    private var now = 1_000L
    private fun policy(seconds: Long) = AutoLockPolicy(seconds) { now }

    @Test
    fun `no lock without having been in the background`() {
        val p = policy(30)
        assertFalse(p.shouldLockNow())
        assertFalse(p.onForeground())
    }

    @Test
    fun `short trip to the background keeps the vault open`() {
        val p = policy(30)
        assertEquals(30_000, p.onBackground())
        now += 29_999
        assertFalse(p.shouldLockNow())
        assertFalse(p.onForeground())
    }

    @Test
    fun `long trip locks, once`() {
        val p = policy(30)
        p.onBackground()
        now += 30_000
        assertTrue(p.shouldLockNow())
        assertTrue(p.onForeground())
        now += 60_000
        assertFalse(p.onForeground(), "foreground again without a background trip")
    }

    @Test
    fun `zero means immediately`() {
        val p = policy(0)
        assertEquals(0, p.onBackground())
        assertTrue(p.onForeground())
    }

    @Test
    fun `timeout can change and must not be negative`() {
        val p = policy(300)
        p.timeoutSeconds = 0
        p.onBackground()
        assertTrue(p.onForeground())
        assertFailsWith<IllegalArgumentException> { p.timeoutSeconds = -1 }
        assertFailsWith<IllegalArgumentException> { policy(-5) }
    }

    @Test
    fun `the photo picker does not lock an app set to lock immediately`() {
        val p = policy(0)
        p.expectResult()
        assertEquals(AutoLockPolicy.RESULT_GRACE_SECONDS * 1000, p.onBackground(), "the timer waits the grace")
        now += 20_000
        assertFalse(p.shouldLockNow())
        assertFalse(p.onForeground(), "back from the picker: still unlocked")
        p.resultArrived()
        // The next trip is an ordinary one again.
        assertEquals(0, p.onBackground())
        assertTrue(p.onForeground())
    }

    @Test
    fun `the result may arrive before the app is told it is in the foreground`() {
        val p = policy(0)
        p.expectResult()
        p.onBackground()
        now += 5_000
        p.resultArrived()
        assertFalse(p.onForeground(), "the trip was excused when it started")
    }

    @Test
    fun `staying away longer than the grace still locks`() {
        val p = policy(0)
        p.expectResult()
        p.onBackground()
        now += AutoLockPolicy.RESULT_GRACE_SECONDS * 1000
        assertTrue(p.shouldLockNow())
        assertTrue(p.onForeground())
    }

    @Test
    fun `the grace never shortens a longer timeout`() {
        val p = policy(300)
        p.expectResult()
        assertEquals(300_000, p.onBackground())
        now += 200_000
        assertFalse(p.onForeground())
    }

    @Test
    fun `a lost callback does not excuse later trips`() {
        val p = policy(0)
        p.expectResult()
        p.onBackground()
        assertFalse(p.onForeground())
        // resultArrived never called (the screen went away): coming back ended the grace.
        p.onBackground()
        assertTrue(p.onForeground())
    }

    @Test
    fun `a result that needs no trip to the background (a permission dialog) changes nothing`() {
        val p = policy(0)
        p.expectResult()
        p.resultArrived()
        assertEquals(0, p.onBackground())
        assertTrue(p.onForeground())
    }
}
