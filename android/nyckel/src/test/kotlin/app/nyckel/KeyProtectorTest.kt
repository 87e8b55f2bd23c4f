package app.nyckel

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTimeoutPreemptively
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import kotlin.test.assertFailsWith

/**
 * The vault-key protector implemented in Kotlin (javax.crypto AES-GCM, [AesGcmKeyProtector]),
 * called by Rust through the foreign trait.
 */
class KeyProtectorTest {
    @Test
    fun protectorOnlyVaultRoundTrip() {
        val path = TestSupport.vaultPath()
        val protector = ScriptedProtector()
        NyckelVault.createWithProtector(path, protector).use { vault ->
            assertTrue(vault.hasPlatformKey())
            vault.addUri(OtpTest.totpUri(OtpTest.SHA1_SECRET, "SHA1"))
            vault.closeVault()
        }
        assertEquals(1, protector.prompts)
        NyckelVault.open(path).use { vault ->
            assertTrue(vault.isLocked())
            vault.unlockWithProtector(protector)
            assertEquals("94287082", vault.codesAt(59).single().code.code)
            // The only way in cannot be removed.
            assertFailsWith<NyckelException.InvalidInput> { vault.disablePlatformKey() }
            // Add a passphrase, then the platform key can go.
            vault.setPassphrase("backup phrase", kdfMinimum())
            vault.disablePlatformKey()
            assertFalse(vault.hasPlatformKey())
            vault.lock()
            assertFailsWith<NyckelException.NoPlatformKey> { vault.unlockWithProtector(protector) }
            vault.unlockWithPassphrase("backup phrase")
        }
    }

    @Test
    fun enableOnPassphraseVaultThenUnlockWithIt() {
        val vault = TestSupport.newVault()
        vault.addUri(TestSupport.totpUri(TestSupport.randomSecret()))
        val protector = ScriptedProtector()
        vault.enablePlatformKey(protector)
        assertEquals(2, protector.prompts) // wrap, then unwrap to prove the key comes back
        vault.lock()
        vault.unlockWithProtector(protector)
        assertEquals(1, vault.accounts().size)
        assertFailsWith<NyckelException.Locked> { vault.lock(); vault.enablePlatformKey(protector) }
    }

    @Test
    fun userCancelledGivesTypedErrorAndStaysLocked() {
        val protector = ScriptedProtector()
        val vault = TestSupport.newVault()
        vault.enablePlatformKey(protector)
        vault.lock()
        protector.onPrompt = { throw KeyProtectorException.UserCancelled() }
        assertFailsWith<NyckelException.UserCancelled> { vault.unlockWithProtector(protector) }
        assertTrue(vault.isLocked())
        assertFailsWith<NyckelException.Locked> { vault.accounts() }
        protector.onPrompt = {}
        vault.unlockWithProtector(protector)
        assertFalse(vault.isLocked())
    }

    @Test
    fun invalidatedOrReplacedKeyGivesKeyInvalidated() {
        val vault = TestSupport.newVault()
        vault.enablePlatformKey(ScriptedProtector())
        vault.lock()
        // A different platform key (biometrics re-enrolled → new Keystore key).
        val e = assertFailsWith<NyckelException.KeyInvalidated> { vault.unlockWithProtector(ScriptedProtector()) }
        assertTrue(e.needsUnlock)
        assertTrue(vault.isLocked())
        // The protector itself reporting invalidation (KeyPermanentlyInvalidatedException on Android).
        val gone = ScriptedProtector(onPrompt = { throw KeyProtectorException.KeyInvalidated() })
        assertFailsWith<NyckelException.KeyInvalidated> { vault.unlockWithProtector(gone) }
        val busy = ScriptedProtector(onPrompt = { throw KeyProtectorException.Unavailable("device locked") })
        assertEquals("device locked", assertFailsWith<NyckelException.KeyUnavailable> { vault.unlockWithProtector(busy) }.reason)
        vault.unlockWithPassphrase("correct horse battery")
    }

    @Test
    fun unexpectedKotlinExceptionBecomesKeyProtectorError() {
        val vault = TestSupport.newVault()
        val buggy = ScriptedProtector(onPrompt = { throw IllegalStateException("bug in the app") })
        val e = assertFailsWith<NyckelException.KeyProtector> { vault.enablePlatformKey(buggy) }
        assertTrue(e.reason.isNotBlank())
        assertFalse(vault.hasPlatformKey())
    }

    @Test
    fun reentrantCallFromTheProtectorDoesNotDeadlock() {
        val vault = TestSupport.newVault()
        vault.addUri(TestSupport.totpUri(TestSupport.randomSecret()))
        val seen = mutableListOf<String>()
        val protector = ScriptedProtector()
        protector.onPrompt = {
            // While "the biometric prompt is up", the app refreshes its UI from the vault.
            seen += "locked=${vault.isLocked()} platform=${vault.hasPlatformKey()}"
            runCatching { vault.accounts().size }.onSuccess { seen += "accounts=$it" }.onFailure { seen += it.javaClass.simpleName }
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30)) {
            vault.enablePlatformKey(protector)
            vault.lock()
            vault.unlockWithProtector(protector)
        }
        assertEquals(
            listOf("locked=false platform=false", "accounts=1", "locked=false platform=false", "accounts=1",
                "locked=true platform=true", "Locked"),
            seen,
        )
        assertEquals(1, vault.accounts().size)
    }

    /** A platform implementation that hands back whatever it was told to, right or wrong. */
    private class LyingProtector(private val answer: (ByteArray) -> ByteArray) : VaultKeyProtector {
        override fun wrap(vaultKey: ByteArray): ByteArray = vaultKey.map { (it.toInt() xor 0x5a).toByte() }.toByteArray()
        override fun unwrap(wrappedKey: ByteArray): ByteArray = answer(wrappedKey)
    }

    @Test
    fun garbageOrWrongLengthKeysAreTypedErrorsAndTheVaultStaysIntact() {
        val vault = TestSupport.newVault()
        vault.addUri(OtpTest.totpUri(OtpTest.SHA1_SECRET, "SHA1"))
        val answers = listOf(ByteArray(0), ByteArray(16) { 7 }, ByteArray(31) { 7 }, ByteArray(32) { 7 }, ByteArray(33) { 7 }, ByteArray(4096) { 7 })
        // Enrolling with a protector whose unwrap does not give the key back stores nothing.
        for (answer in answers) {
            assertFailsWith<NyckelException.KeyProtector> { vault.enablePlatformKey(LyingProtector { answer }) }
            assertFalse(vault.hasPlatformKey())
        }
        val good = LyingProtector { wrapped -> wrapped.map { (it.toInt() xor 0x5a).toByte() }.toByteArray() }
        vault.enablePlatformKey(good)
        vault.lock()
        for (answer in answers) {
            // A key that does not fit reads as a platform key that changed.
            assertFailsWith<NyckelException.KeyInvalidated> { vault.unlockWithProtector(LyingProtector { answer }) }
            assertTrue(vault.isLocked())
        }
        vault.unlockWithProtector(good)
        assertEquals("94287082", vault.codesAt(59).single().code.code)
    }

    /** Stands in for android.security.keystore.UserNotAuthenticatedException (matched by name). */
    class UserNotAuthenticatedException : java.security.InvalidKeyException("authenticate first")

    @Test
    fun keystoreStyleKeyFailuresMapToTypedErrors() {
        val vault = TestSupport.newVault()
        // A key the cipher refuses at init (Android: KeyPermanentlyInvalidatedException).
        val rejected = AesGcmKeyProtector(key = { javax.crypto.spec.SecretKeySpec(ByteArray(7), "AES") })
        assertFailsWith<NyckelException.KeyInvalidated> { vault.enablePlatformKey(rejected) }
        // "Authenticate first" is not an invalidated key.
        val notYet = AesGcmKeyProtector(key = { throw UserNotAuthenticatedException() })
        assertFailsWith<NyckelException.KeyUnavailable> { vault.enablePlatformKey(notYet) }
        assertFalse(vault.hasPlatformKey())
    }
}
