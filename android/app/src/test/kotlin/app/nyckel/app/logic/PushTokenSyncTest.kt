package app.nyckel.app.logic

import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull

class PushTokenSyncTest {
    private class Prefs(override var current: String? = null, override var lastSent: String? = null) : PushTokenSync.Store

    @Test
    fun `the rule`() {
        assertNull(PushTokenSync.needsSending(null, null), "no token yet")
        assertNull(PushTokenSync.needsSending("", null), "an empty token is no token")
        assertNull(PushTokenSync.needsSending("a", "a"), "already accepted")
        assertEquals("a", PushTokenSync.needsSending("a", null), "never sent")
        assertEquals("b", PushTokenSync.needsSending("b", "a"), "rotated")
    }

    @Test
    fun `a token that arrived while locked is sent at the next unlock, once`() {
        val prefs = Prefs(current = "t1")
        val sync = PushTokenSync(prefs)
        val sent = mutableListOf<String>()
        assertEquals("t1", sync.sync { sent += it })
        assertEquals("t1", prefs.lastSent)
        assertNull(sync.sync { sent += it }, "next unlock: nothing to do")
        prefs.current = "t2" // rotated in the background
        assertEquals("t2", sync.pending())
        assertEquals("t2", sync.sync { sent += it })
        assertEquals(listOf("t1", "t2"), sent)
    }

    @Test
    fun `a failed send is not recorded and is retried`() {
        val prefs = Prefs(current = "t1", lastSent = "t0")
        val sync = PushTokenSync(prefs)
        assertFailsWith<IllegalStateException> { sync.sync { error("provider unreachable") } }
        assertEquals("t0", prefs.lastSent)
        assertEquals("t1", sync.pending())
        assertEquals("t1", sync.sync { })
        assertEquals("t1", prefs.lastSent)
    }

    @Test
    fun `a token that arrives during the send is left for the next sync`() {
        val prefs = Prefs(current = "t1")
        val sync = PushTokenSync(prefs)
        sync.sync { prefs.current = "t2" }
        assertEquals("t1", prefs.lastSent)
        assertEquals("t2", sync.pending())
    }

    @Test
    fun `concurrent syncs send once`() {
        val prefs = Prefs(current = "t1")
        val sync = PushTokenSync(prefs)
        val calls = AtomicInteger()
        val start = CountDownLatch(1)
        val threads = List(4) {
            thread {
                start.await()
                sync.sync { calls.incrementAndGet(); Thread.sleep(50) }
            }
        }
        start.countDown()
        threads.forEach { it.join() }
        assertEquals(1, calls.get())
        assertEquals("t1", prefs.lastSent)
    }
}
