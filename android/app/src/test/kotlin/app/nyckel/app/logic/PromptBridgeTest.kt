package app.nyckel.app.logic

import app.nyckel.app.logic.PromptBridge.Result
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** The worker/UI handoff: a fake "UI thread" (single-thread executor) plays the Activity. */
class PromptBridgeTest {
    private val ui = Executors.newSingleThreadExecutor { r -> Thread(r, "fake-ui") }
    private val bridge = PromptBridge<String, Int>(isUiThread = { Thread.currentThread().name == "fake-ui" }, hostWaitMillis = 200)

    @AfterTest
    fun stop() {
        ui.shutdownNow()
    }

    /** A host that answers every prompt on the fake UI thread with [answer]. */
    private fun answering(answer: (PromptBridge.Prompt<String, Int>) -> Unit) =
        PromptBridge.Host<String, Int> { p -> ui.execute { answer(p) } }

    @Test
    fun `the worker gets the UI's answer`() {
        bridge.attach(answering { it.succeed(it.payload.length) })
        assertEquals(Result.Success(5), bridge.request("hello", 2_000))
    }

    @Test
    fun `cancel and failure arrive as such`() {
        bridge.attach(answering { it.cancel() })
        assertEquals(Result.Cancelled, bridge.request("x", 2_000))
        bridge.attach(answering { it.fail("lockout") })
        assertEquals(Result.Failed("lockout"), bridge.request("x", 2_000))
    }

    @Test
    fun `no host means NoHost after the grace period`() {
        val t0 = System.nanoTime()
        assertEquals(Result.NoHost, bridge.request("x", 5_000))
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 2_000)
    }

    @Test
    fun `a host attaching within the grace period gets the prompt`() {
        thread { Thread.sleep(50); bridge.attach(answering { it.succeed(1) }) }
        assertEquals(Result.Success(1), bridge.request("x", 2_000))
    }

    @Test
    fun `timeout abandons the prompt and takes the UI down`() {
        val dismissed = CountDownLatch(1)
        bridge.attach(answering { it.onAbandon { dismissed.countDown() } }) // shows, never answers
        assertEquals(Result.TimedOut, bridge.request("x", 100))
        assertTrue(dismissed.await(1, TimeUnit.SECONDS))
    }

    @Test
    fun `a late answer after the timeout is ignored`() {
        val held = CountDownLatch(1)
        lateinit var prompt: PromptBridge.Prompt<String, Int>
        bridge.attach { p -> prompt = p; held.countDown() }
        assertEquals(Result.TimedOut, bridge.request("x", 100))
        held.await()
        assertFalse(prompt.succeed(42))
    }

    @Test
    fun `onAbandon registered after abandonment runs at once`() {
        lateinit var prompt: PromptBridge.Prompt<String, Int>
        bridge.attach { p -> prompt = p }
        assertEquals(Result.TimedOut, bridge.request("x", 50))
        var ran = false
        prompt.onAbandon { ran = true }
        assertTrue(ran)
    }

    @Test
    fun `detaching the host cancels the prompt on screen`() {
        val shown = CountDownLatch(1)
        val dismissed = CountDownLatch(1)
        val host = answering { p -> p.onAbandon { dismissed.countDown() }; shown.countDown() }
        bridge.attach(host)
        thread { shown.await(); bridge.detach(host) }
        assertEquals(Result.Cancelled, bridge.request("x", 5_000))
        assertTrue(dismissed.await(1, TimeUnit.SECONDS))
        assertFalse(bridge.hasHost)
    }

    @Test
    fun `detaching a stale host leaves the current one`() {
        val old = answering { it.succeed(1) }
        val current = answering { it.succeed(2) }
        bridge.attach(old)
        bridge.attach(current)
        bridge.detach(old)
        assertEquals(Result.Success(2), bridge.request("x", 2_000))
    }

    @Test
    fun `waiting on the UI thread is refused`() {
        bridge.attach(answering { it.succeed(1) })
        val error = ui.submit<Throwable?> { runCatching { bridge.request("x", 100) }.exceptionOrNull() }.get()
        assertTrue(error is IllegalStateException)
    }

    @Test
    fun `an interrupted worker cancels and keeps its interrupt flag`() {
        bridge.attach { } // never answers
        var result: Result<Int>? = null
        var flag = false
        val worker = thread { result = bridge.request("x", 10_000); flag = Thread.currentThread().isInterrupted }
        Thread.sleep(100)
        worker.interrupt()
        worker.join(2_000)
        assertEquals(Result.Cancelled, result)
        assertTrue(flag)
    }

    @Test
    fun `a host that throws fails the prompt`() {
        bridge.attach { throw IllegalStateException("fragment manager state saved") }
        assertTrue(bridge.request("x", 1_000) is Result.Failed)
    }

    @Test
    fun `one prompt at a time`() {
        val showing = AtomicInteger()
        val maxShowing = AtomicInteger()
        bridge.attach { p ->
            ui.execute {
                maxShowing.accumulateAndGet(showing.incrementAndGet(), ::maxOf)
                Thread.sleep(20)
                showing.decrementAndGet()
                p.succeed(p.payload.toInt())
            }
        }
        val pool = Executors.newFixedThreadPool(4)
        val results = (1..8).map { i -> pool.submit<Result<Int>> { bridge.request("$i", 10_000) } }.map { it.get() }
        pool.shutdown()
        assertEquals((1..8).map { Result.Success(it) }, results)
        assertEquals(1, maxShowing.get())
    }

    @Test
    fun `a queued caller times out while another prompt is up`() {
        val release = CountDownLatch(1)
        bridge.attach { p -> thread { release.await(); p.succeed(1) } }
        val first = thread { bridge.request("first", 10_000) }
        Thread.sleep(50)
        assertEquals(Result.TimedOut, bridge.request("second", 100))
        release.countDown()
        first.join()
    }
}
