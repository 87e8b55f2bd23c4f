// ffi.batch_codes, the JVM side: the batch codes call of the generated Kotlin bindings (JNA)
// on the bench's 1,000-account vault. A timing program for nyckel-bench, not a test.
//
// Arguments: VAULT PASSPHRASE UNIX_TIME BATCHES. Prints one line:
//   <median ns per account> <codes per call> <id:code of the first account>
package app.nyckel.bench

import app.nyckel.NyckelVault

/** Unmeasured calls first. */
const val WARM_UP = 500

fun main(args: Array<String>) {
    val (path, passphrase, time, batches) = args
    val at = time.toLong()
    NyckelVault.open(path).use { vault ->
        vault.unlockWithPassphrase(passphrase)
        // Warm-up to the steady state the app's once-a-second refresh runs in: the JIT has
        // compiled the bindings' conversion code (it keeps improving for a few hundred
        // calls), the vault has filled its snapshot.
        var codes = vault.codesAt(at)
        repeat(WARM_UP) { codes = vault.codesAt(at) }
        val times = LongArray(batches.toInt()) {
            val start = System.nanoTime()
            codes = vault.codesAt(at)
            System.nanoTime() - start
        }
        times.sort()
        val median = times[times.size / 2].toDouble() / codes.size
        val first = codes.first()
        println("$median ${codes.size} ${first.account.id}:${first.code.code}")
    }
}
