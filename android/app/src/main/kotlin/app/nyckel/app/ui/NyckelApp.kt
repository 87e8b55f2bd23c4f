package app.nyckel.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import app.nyckel.app.VaultSession
import app.nyckel.app.ui.lock.BrokenVaultScreen
import app.nyckel.app.ui.lock.LockScreen
import app.nyckel.app.ui.onboarding.CreateVaultScreen

/**
 * The lock gate: nothing of the vault is composed unless it is unlocked. Locking (button,
 * timeout in the background, a `Locked` answer) drops the whole navigation graph and its
 * view models, so no code or name stays in memory on the UI side.
 */
@Composable
fun NyckelApp() {
    val graph = LocalGraph.current
    val state by graph.session.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { graph.session.load() }
    when (val s = state) {
        VaultSession.State.Loading -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
        VaultSession.State.NoVault -> CreateVaultScreen()
        is VaultSession.State.Locked -> LockScreen(hasBiometricKey = s.hasBiometricKey)
        is VaultSession.State.Broken -> BrokenVaultScreen(s.problem)
        VaultSession.State.Unlocked -> MainNavigation()
    }
}
