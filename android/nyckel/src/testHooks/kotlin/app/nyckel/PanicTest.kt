package app.nyckel

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.test.assertFailsWith

/**
 * A Rust panic must reach Kotlin as an exception, never abort the process. The library
 * under test is the release build (panic = "unwind"), as the apps ship it.
 *
 * These tests need the library built with `--features test-hooks` (scripts/test-kotlin.sh
 * does that); the Gradle build's unit tests run without them.
 */
class PanicTest {
    @Test
    fun panicBecomesAnException() {
        assertTrue(testHooksEnabled(), "the test library is built with --features test-hooks")
        val e = assertFailsWith<InternalException> { testHookPanic("boom") }
        assertTrue(e.message!!.contains("boom"), e.message)
        // The library still works afterwards.
        assertEquals("94287082", codeForUri(OtpTest.totpUri(OtpTest.SHA1_SECRET, "SHA1"), 59).code)
    }

    @Test
    fun panicsOnManyThreadsStayErrors() {
        val threads = (1..8).map { n ->
            Thread {
                repeat(5) { assertFailsWith<InternalException> { testHookPanic("thread $n") } }
            }
        }
        val failures = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
        threads.forEach { t -> t.setUncaughtExceptionHandler { _, e -> failures.add(e) }; t.start() }
        threads.forEach { it.join() }
        assertTrue(failures.isEmpty(), failures.toString())
    }

    @Test
    fun panicWhileHoldingTheLockLeavesTheVaultUsable() {
        val vault = TestSupport.newVault()
        vault.addUri(TestSupport.totpUri(TestSupport.randomSecret()))
        assertFailsWith<InternalException> { vault.testHookPanicHoldingLock() }
        assertEquals(1, vault.accounts().size)
    }
}
