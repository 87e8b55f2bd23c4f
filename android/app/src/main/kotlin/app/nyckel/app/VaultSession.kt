package app.nyckel.app

import app.nyckel.NyckelException
import app.nyckel.NyckelVault
import app.nyckel.VaultKeyProtector
import app.nyckel.android.KeystoreVaultKey
import app.nyckel.app.logic.Problem
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The one vault of the app and whether it is open. Every library call goes through [call],
 * which runs it on `Dispatchers.IO` (Nyckel calls block: SQLite, Argon2id, the biometric
 * prompt) and notices when the vault was locked underneath a screen.
 *
 * The vault is opened **locked** on start; it is unlocked only by [unlockWithBiometrics]
 * (`unlockWithProtector`: the BiometricPrompt *is* the Keystore key operation) or
 * [unlockWithPassphrase] (the optional recovery passphrase).
 */
class VaultSession(
    private val path: File,
    private val protector: () -> VaultKeyProtector,
    private val scope: CoroutineScope,
    /** Called (on the thread that changes the state) whenever the vault stops being unlocked. */
    private val onLeaveUnlocked: () -> Unit = {},
    /** Called after each library call that returned (automatic backups check for a change). */
    private val afterCall: () -> Unit = {},
) {
    sealed interface State {
        data object Loading : State
        /** First start: offer to create the vault. */
        data object NoVault : State
        data class Locked(val hasBiometricKey: Boolean) : State
        data object Unlocked : State
        /** The file cannot be used (damaged, from a newer app, unreadable). */
        data class Broken(val problem: Problem) : State
    }

    private val _state = MutableStateFlow<State>(State.Loading)
    val state: StateFlow<State> = _state.asStateFlow()

    @Volatile
    private var vault: NyckelVault? = null

    /**
     * Whether the vault has a platform (biometric) key, as last seen. `lock()` shows the lock
     * screen at once, before the library can be asked, so it must not guess "yes": on a
     * passphrase-only vault that would offer Unlock and auto-run `unlockWithProtector`.
     */
    @Volatile
    private var hasPlatformKey: Boolean = false

    private fun setLocked() {
        val wasUnlocked = _state.value is State.Unlocked
        _state.value = State.Locked(hasPlatformKey)
        if (wasUnlocked) onLeaveUnlocked()
    }

    /** Asks the library (which answers on a locked vault too); keeps the last answer on failure. */
    private fun refreshHasPlatformKey(v: NyckelVault) {
        hasPlatformKey = runCatching { v.hasPlatformKey() }.getOrDefault(hasPlatformKey)
    }

    fun vaultOrThrow(): NyckelVault = vault ?: throw NyckelException.Closed()

    /** Opens the file (locked), or reports that there is none yet. */
    suspend fun load() = withContext(Dispatchers.IO) {
        if (vault != null) return@withContext
        if (!path.exists()) {
            _state.value = State.NoVault
            return@withContext
        }
        try {
            val v = NyckelVault.open(path.path)
            vault = v
            hasPlatformKey = v.hasPlatformKey()
            _state.value = State.Locked(hasPlatformKey)
        } catch (e: NyckelException) {
            _state.value = State.Broken(Problem.of(e))
        }
    }

    /**
     * New vault protected by the Keystore key only (one biometric prompt: the wrap).
     * [created] runs once the vault exists, before the app moves to unlocked (the first run's
     * next step must be known when the main navigation starts).
     */
    suspend fun createWithBiometrics(created: () -> Unit = {}) = withContext(Dispatchers.IO) {
        path.parentFile?.mkdirs()
        vault = NyckelVault.createWithProtector(path.path, protector())
        hasPlatformKey = true
        created()
        _state.value = State.Unlocked
    }

    /** New vault protected by a passphrase (phones without a screen lock / strong biometrics); [created] as above. */
    suspend fun createWithPassphrase(passphrase: String, created: () -> Unit = {}) = withContext(Dispatchers.IO) {
        path.parentFile?.mkdirs()
        vault = NyckelVault.create(path.path, passphrase)
        hasPlatformKey = false
        created()
        _state.value = State.Unlocked
    }

    suspend fun unlockWithBiometrics() = withContext(Dispatchers.IO) {
        val v = vaultOrThrow()
        v.unlockWithProtector(protector())
        hasPlatformKey = true
        _state.value = State.Unlocked
    }

    suspend fun unlockWithPassphrase(passphrase: String) = withContext(Dispatchers.IO) {
        val v = vaultOrThrow()
        // A recovery code typed in any case or spacing is read as written (docs/recovery.md §5).
        v.unlockWithPassphrase(app.nyckel.RecoverySetupFlow.recoverySecret(passphrase))
        refreshHasPlatformKey(v)
        _state.value = State.Unlocked
    }

    /**
     * After a passphrase unlock following `KeyInvalidated`: a fresh Keystore key and a new
     * platform slot (`enablePlatformKey`: two prompts, wrap and the unwrap check).
     */
    suspend fun reenrolBiometrics() = withContext(Dispatchers.IO) {
        val v = vaultOrThrow()
        KeystoreVaultKey.delete()
        try {
            v.enablePlatformKey(protector())
        } finally {
            refreshHasPlatformKey(v)
        }
    }

    /** Turns biometric unlock off (refused by the library when it is the only way in) and deletes the Keystore key. */
    suspend fun disableBiometrics() = withContext(Dispatchers.IO) {
        val v = vaultOrThrow()
        v.disablePlatformKey()
        hasPlatformKey = false
        KeystoreVaultKey.delete()
    }

    /** Locks now: the state changes at once (screens drop their data), the key is wiped on IO. */
    fun lock() {
        val v = vault ?: return
        if (_state.value !is State.Unlocked) return
        setLocked()
        scope.launch(Dispatchers.IO) {
            runCatching { v.lock() }
            refreshHasPlatformKey(v)
            // Unless the user unlocked (or reset) meanwhile.
            val now = _state.value
            if (now is State.Locked) _state.compareAndSet(now, State.Locked(hasPlatformKey))
        }
    }

    /** Runs a library call off the main thread; a `Locked` answer moves the app to the lock screen. */
    suspend fun <T> call(block: (NyckelVault) -> T): T = withContext(Dispatchers.IO) {
        try {
            block(vaultOrThrow()).also { afterCall() }
        } catch (e: NyckelException.Locked) {
            if (_state.value is State.Unlocked) setLocked()
            throw e
        }
    }

    /**
     * Deletes the vault and its Keystore key: the last resort when the key was invalidated and
     * no recovery passphrase exists (the accounts are lost; the user re-adds them).
     */
    suspend fun reset() = withContext(Dispatchers.IO) {
        vault?.closeVault()
        vault?.close()
        vault = null
        for (suffix in listOf("", "-wal", "-shm", "-journal")) File(path.path + suffix).delete()
        KeystoreVaultKey.delete()
        hasPlatformKey = false
        val wasUnlocked = _state.value is State.Unlocked
        _state.value = State.NoVault
        if (wasUnlocked) onLeaveUnlocked()
    }
}
