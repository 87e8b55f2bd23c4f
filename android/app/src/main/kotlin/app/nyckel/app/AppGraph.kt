package app.nyckel.app

import android.content.Context
import android.net.Uri
import android.os.Looper
import androidx.biometric.BiometricPrompt
import app.nyckel.BackupFolder
import app.nyckel.HttpClient
import app.nyckel.NyckelApprovals
import app.nyckel.PhoneTransferExportFlow
import app.nyckel.app.logic.AutoBackupSettings
import app.nyckel.app.logic.FirstRunFlow
import app.nyckel.app.logic.PromptBridge
import app.nyckel.app.logic.PushTokenSync
import app.nyckel.app.logic.ScannedCode
import app.nyckel.app.logic.SettingsFirstRunBackups
import app.nyckel.app.logic.UrlConnectionTransport
import app.nyckel.app.logic.VaultAutoBackupPort
import app.nyckel.app.net.FfiHttpClient
import app.nyckel.app.security.BiometricAsk
import app.nyckel.app.security.KeystoreDeviceKeyStore
import app.nyckel.app.security.VaultProtectors
import java.io.File
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.launch

/**
 * The app's few long-lived objects (hand-written DI; there are not enough to need a framework).
 * Everything here is process-wide; nothing holds an Activity (the [biometrics] bridge has the
 * current one attached while it is on screen).
 */
class AppGraph(context: Context) {
    val appContext: Context = context.applicationContext
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val settings = AppSettings(appContext)

    /** Worker threads inside Nyckel calls ask the Activity on screen for BiometricPrompt through this. */
    val biometrics = PromptBridge<BiometricAsk, BiometricPrompt.CryptoObject>(
        isUiThread = { Looper.myLooper() == Looper.getMainLooper() },
    )

    /** The vault lives in noBackupFilesDir: never in a backup, and its key never leaves this phone anyway. */
    val vaultFile = File(appContext.noBackupFilesDir, "vault.nyckel")

    val session = VaultSession(
        path = vaultFile,
        protector = { VaultProtectors.create(appContext, biometrics) },
        scope = scope,
        // Locking drops the scanned code (it may hold a secret) along with the screens.
        onLeaveUnlocked = { scanned.value = null },
        afterCall = { syncAutoBackup() },
    )

    val autoLock = AutoLockObserver(session, settings, scope)

    val deviceKeys = KeystoreDeviceKeyStore(appContext, biometrics)
    private val http: HttpClient = FfiHttpClient(UrlConnectionTransport())

    /**
     * Approvals over the open vault (issue 4). Created on first use after the vault is open;
     * its calls need the vault unlocked (else `Locked`).
     */
    @Volatile private var approvalsInstance: NyckelApprovals? = null

    fun approvals(): NyckelApprovals = approvalsInstance ?: synchronized(this) {
        approvalsInstance ?: NyckelApprovals(session.vaultOrThrow(), deviceKeys, http).also { approvalsInstance = it }
    }

    /** After a reset the vault object is new: forget the approvals bound to the old one. */
    fun forgetApprovals() {
        synchronized(this) {
            approvalsInstance?.close()
            approvalsInstance = null
        }
    }

    /**
     * Automatic backups (logic/AutoBackupSettings) over the open vault, the folder the user chose
     * (a Storage Access Framework tree, [SafBackupFolder]) and [AppSettings.autoBackup].
     */
    @Volatile private var autoBackupInstance: AutoBackupSettings? = null

    fun autoBackup(): AutoBackupSettings = autoBackupInstance ?: synchronized(this) {
        autoBackupInstance ?: AutoBackupSettings(VaultAutoBackupPort(session.vaultOrThrow()), settings.autoBackup, ::backupFolder)
            .also { autoBackupInstance = it }
    }

    /** After a reset: the kept key was sealed under the deleted vault, so backups are off. */
    fun forgetAutoBackup() {
        synchronized(this) {
            autoBackupInstance = null
            settings.autoBackup.apply { sealedKey = null; folder = null; folderName = null; lastFingerprint = null }
        }
    }

    private val autoBackupQueued = AtomicBoolean(false)

    /**
     * Writes an automatic backup if the vault changed (after every library call and every
     * unlock). When nothing was written since the last check (the 1 s code refresh) it is one
     * change-stamp query, no fingerprint (the library's [app.nyckel.AutoBackup]). At most one waits; a failure
     * is shown on the settings screen and tried again next time.
     */
    fun syncAutoBackup() {
        if (settings.autoBackup.sealedKey == null || session.state.value !is VaultSession.State.Unlocked) return
        if (!autoBackupQueued.compareAndSet(false, true)) return
        scope.launch(Dispatchers.IO) {
            autoBackupQueued.set(false)
            runCatching { autoBackup().sync() }
        }
    }

    /** A request id from a push notification tap, consumed by the approval screen. */
    val pendingRequestId = MutableStateFlow<String?>(null)

    /**
     * The code the user just scanned / picked / opened as a link, handed from the scanner to the
     * preview or enrollment screen in memory only (a secret never goes into navigation
     * arguments, which end up in saved instance state).
     */
    val scanned = MutableStateFlow<ScannedCode?>(null)

    /** An `otpauth://` / `nyckel-enroll://` link the app was opened with, routed once unlocked. */
    val incomingLink = MutableStateFlow<ScannedCode?>(null)

    /**
     * The first run's order (logic/FirstRunFlow: recovery, the chosen restore or move, the offer
     * of automatic backups), started by the welcome screen before the vault exists and followed
     * by the main navigation; cleared once done.
     */
    val firstRun = MutableStateFlow<FirstRunFlow?>(null)

    /** A new first run whose backup offer turns on [autoBackup] with a folder the user chose. */
    fun newFirstRun(): FirstRunFlow = FirstRunFlow(
        object : FirstRunFlow.Backups {
            private fun offer() = SettingsFirstRunBackups(autoBackup(), ::backupFolder)
            override fun hasBackup(folder: String) = offer().hasBackup(folder)
            override fun turnOn(folder: String, folderName: String, secret: String) = offer().turnOn(folder, folderName, secret)
        },
    ).also { firstRun.value = it }

    /** The folder a Storage Access Framework tree URI names. */
    fun backupFolder(tree: String): BackupFolder = SafBackupFolder(appContext.contentResolver, Uri.parse(tree))

    /** The current FCM token and the one the providers last accepted (logic/PushTokenSync). */
    private val pushTokens = PushTokenSync(
        object : PushTokenSync.Store {
            override val current: String? get() = settings.pushToken
            override var lastSent: String?
                get() = settings.pushTokenSent
                set(value) { settings.pushTokenSent = value }
        },
    )

    /**
     * Sends a push token the providers do not have yet (FCM rotated it, often while the vault
     * was locked). Needs the vault unlocked; called after every unlock and when a token
     * arrives. A failure is left for the next unlock.
     */
    fun syncPushToken() {
        if (session.state.value !is VaultSession.State.Unlocked || pushTokens.pending() == null) return
        scope.launch(Dispatchers.IO) {
            runCatching { pushTokens.sync { token -> approvals().updatePushToken(token) } }
        }
    }

    init {
        // A transfer package shared by a run that was killed before the move finished.
        scope.launch(Dispatchers.IO) { PhoneTransferExportFlow.clearShared(File(appContext.cacheDir, "shared")) }
        // After every transition to unlocked.
        scope.launch {
            session.state.collect {
                if (it is VaultSession.State.Unlocked) {
                    syncPushToken()
                    syncAutoBackup()
                }
            }
        }
    }
}
