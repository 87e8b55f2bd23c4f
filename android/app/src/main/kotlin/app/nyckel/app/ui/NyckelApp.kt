package app.nyckel.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.lifecycle.ViewModelStore
import androidx.lifecycle.ViewModelStoreOwner
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.LocalViewModelStoreOwner
import app.nyckel.app.VaultSession
import app.nyckel.app.ui.lock.BrokenVaultScreen
import app.nyckel.app.ui.lock.LockScreen
import app.nyckel.app.ui.onboarding.CreateVaultScreen

/**
 * The lock gate: nothing of the vault is composed unless it is unlocked.
 *
 * Each gate state (creating a vault, locked, unlocked, …) gets its own [ViewModelStore],
 * provided as [LocalViewModelStoreOwner] and cleared when the state is left. The Activity's
 * store would keep view models for as long as the Activity lives; with this, locking (button,
 * timeout in the background, a `Locked` answer) clears the navigation graph's view models —
 * the NavHost keeps its back-stack entries' stores inside the owner it is given — so no
 * code, account name, typed setup key, scanned URI or passphrase stays referenced on the UI
 * side, and every lock screen starts fresh (new auto-prompt, no stale "key invalidated").
 */
@Composable
fun NyckelApp() {
    val graph = LocalGraph.current
    val state by graph.session.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { graph.session.load() }
    // Locked(true) → Locked(false) is the same gate: only the kind of state counts.
    key(state::class) {
        GateViewModels {
            when (val s = state) {
                VaultSession.State.Loading -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
                VaultSession.State.NoVault -> CreateVaultScreen()
                is VaultSession.State.Locked -> LockScreen(hasBiometricKey = s.hasBiometricKey)
                is VaultSession.State.Broken -> BrokenVaultScreen(s.problem)
                VaultSession.State.Unlocked -> MainNavigation()
            }
        }
    }
}

/** A view-model store that lives exactly as long as this composition (one gate state). */
@Composable
private fun GateViewModels(content: @Composable () -> Unit) {
    val owner = remember {
        object : ViewModelStoreOwner {
            override val viewModelStore = ViewModelStore()
        }
    }
    DisposableEffect(owner) {
        onDispose { owner.viewModelStore.clear() }
    }
    CompositionLocalProvider(LocalViewModelStoreOwner provides owner, content = content)
}
