package app.nyckel.app.ui.common

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContract
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import app.nyckel.app.AutoLockObserver
import app.nyckel.app.ui.LocalGraph

/**
 * An Activity Result launcher that keeps the vault unlocked while the launched activity is
 * open: the system photo picker sends the app to the background, and with "lock immediately"
 * the vault would lock, the screen that asked would go away and the result would be lost.
 * [launch] tells the auto-lock ([AutoLockObserver.expectResult]) first; the callback (or a
 * failed launch) ends it. The rule and its limits are logic/AutoLockPolicy's (JVM-tested).
 */
class LauncherKeepingUnlocked<I> internal constructor(
    private val launcher: ActivityResultLauncher<I>,
    private val autoLock: AutoLockObserver,
) {
    fun launch(input: I) {
        autoLock.expectResult()
        try {
            launcher.launch(input)
        } catch (e: RuntimeException) { // ActivityNotFoundException, IllegalStateException
            autoLock.resultArrived()
            throw e
        }
    }
}

/** [rememberLauncherForActivityResult] for activities the app opens itself (see [LauncherKeepingUnlocked]). */
@Composable
fun <I, O> rememberLauncherKeepingUnlocked(
    contract: ActivityResultContract<I, O>,
    onResult: (O) -> Unit,
): LauncherKeepingUnlocked<I> {
    val autoLock = LocalGraph.current.autoLock
    val launcher = rememberLauncherForActivityResult(contract) { result ->
        autoLock.resultArrived()
        onResult(result)
    }
    return remember(launcher, autoLock) { LauncherKeepingUnlocked(launcher, autoLock) }
}
