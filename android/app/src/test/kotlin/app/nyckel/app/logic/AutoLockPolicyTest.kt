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
}
