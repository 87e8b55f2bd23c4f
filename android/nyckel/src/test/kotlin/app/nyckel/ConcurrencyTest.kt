package app.nyckel

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTimeoutPreemptively
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.assertFailsWith

/** One vault object used from 8 threads at once. */
class ConcurrencyTest {
    @Test
    fun eightThreadsAtOnce() {
        val vault = TestSupport.newVault()
        val hotp = vault.addUri("otpauth://hotp/RFC:4226?secret=${OtpTest.SHA1_SECRET}&counter=0").account
        val threads = 8
        val rounds = 10
        val start = CountDownLatch(1)
        val hotpCodes = Collections.synchronizedList(mutableListOf<String>())
        val pool = Executors.newFixedThreadPool(threads)
        val futures = (0 until threads).map { t ->
            pool.submit<Unit> {
                start.await()
                repeat(rounds) { r ->
                    vault.addUri(TestSupport.totpUri(TestSupport.randomSecret(), issuer = "T$t", name = "r$r"))
                    hotpCodes += vault.nextHotpCode(hotp.id).code
                    val codes = vault.codes()
                    assertTrue(codes.all { it.code.code.length == 6 })
                    vault.accounts()
                    assertEquals("94287082", codeForUri(OtpTest.totpUri(OtpTest.SHA1_SECRET, "SHA1"), 59).code)
                    vault.activity(5u)
                }
            }
        }
        assertTimeoutPreemptively(Duration.ofMinutes(2)) {
            start.countDown()
            futures.forEach { it.get() } // rethrows any assertion failure from a worker
        }
        pool.shutdown()
        pool.awaitTermination(10, TimeUnit.SECONDS)
        assertEquals(1 + threads * rounds, vault.accounts().size)
        assertEquals(threads * rounds, vault.codes().size)
        // Every counter value 0..79 was used exactly once: no code was shown twice or skipped.
        val expected = (0 until threads * rounds).map {
            codeForUri("otpauth://hotp/RFC:4226?secret=${OtpTest.SHA1_SECRET}&counter=$it", 0).code
        }
        assertEquals(expected.sorted(), hotpCodes.sorted())
        assertEquals((threads * rounds).toULong(), vault.account(hotp.id).counter)
    }

    @Test
    fun lockAndCloseRacingWithReaders() {
        val vault = TestSupport.newVault()
        repeat(5) { vault.addUri(TestSupport.totpUri(TestSupport.randomSecret(), name = "a$it")) }
        val pool = Executors.newFixedThreadPool(8)
        val outcomes = Collections.synchronizedList(mutableListOf<String>())
        val futures = (0 until 8).map { t ->
            pool.submit<Unit> {
                repeat(30) {
                    when {
                        t == 0 && it % 3 == 0 -> vault.lock()
                        t == 1 && it % 3 == 1 -> vault.unlockWithPassphrase("correct horse battery")
                        else -> try {
                            outcomes += "ok ${vault.codes().size}"
                        } catch (e: NyckelException.Locked) {
                            outcomes += "locked"
                        }
                    }
                }
            }
        }
        assertTimeoutPreemptively(Duration.ofMinutes(2)) { futures.forEach { it.get() } }
        pool.shutdown()
        assertTrue(outcomes.all { it == "ok 5" || it == "locked" }, outcomes.toString())
        vault.closeVault()
        assertFailsWith<NyckelException.Closed> { vault.codes() }
    }
}
