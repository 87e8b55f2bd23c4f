package app.nyckel.app

import android.content.Context
import android.util.Base64
import app.nyckel.app.logic.AutoBackupSettings
import app.nyckel.app.logic.AutoLockPolicy

/** Small non-secret preferences (never codes, secrets or passphrases). */
class AppSettings(context: Context) {
    private val prefs = context.getSharedPreferences("nyckel", Context.MODE_PRIVATE)

    var lockTimeoutSeconds: Long
        get() = prefs.getLong(LOCK_TIMEOUT, AutoLockPolicy.DEFAULT_SECONDS)
        set(value) = prefs.edit().putLong(LOCK_TIMEOUT, value).apply()

    /**
     * Whether the user set a recovery passphrase. The library has no "has passphrase" query, so
     * the app remembers it; it only decides what the lock screen offers first (trying a
     * passphrase on a vault without one just fails with WrongPassphrase).
     */
    var recoveryPassphraseSet: Boolean
        get() = prefs.getBoolean(RECOVERY_SET, false)
        set(value) = prefs.edit().putBoolean(RECOVERY_SET, value).apply()

    /** The last FCM token (to send on enrollment and to rotate with the providers). */
    var pushToken: String?
        get() = prefs.getString(PUSH_TOKEN, null)
        set(value) = prefs.edit().putString(PUSH_TOKEN, value).apply()

    /** The token every provider last accepted (`updatePushToken`); see logic/PushTokenSync. */
    var pushTokenSent: String?
        get() = prefs.getString(PUSH_TOKEN_SENT, null)
        set(value) = prefs.edit().putString(PUSH_TOKEN_SENT, value).apply()

    /**
     * What automatic backups keep (logic/AutoBackupSettings): the key sealed under the vault key
     * (useless without the vault), the chosen folder's tree URI and name, and the fingerprint
     * of the last backup written.
     */
    val autoBackup: AutoBackupSettings.Store = object : AutoBackupSettings.Store {
        override var sealedKey: ByteArray?
            get() = prefs.getString(AUTO_BACKUP_KEY, null)?.let { Base64.decode(it, Base64.NO_WRAP) }
            set(value) = prefs.edit().putString(AUTO_BACKUP_KEY, value?.let { Base64.encodeToString(it, Base64.NO_WRAP) }).apply()
        override var folder: String?
            get() = prefs.getString(AUTO_BACKUP_FOLDER, null)
            set(value) = prefs.edit().putString(AUTO_BACKUP_FOLDER, value).apply()
        override var folderName: String?
            get() = prefs.getString(AUTO_BACKUP_FOLDER_NAME, null)
            set(value) = prefs.edit().putString(AUTO_BACKUP_FOLDER_NAME, value).apply()
        override var lastFingerprint: String?
            get() = prefs.getString(AUTO_BACKUP_FINGERPRINT, null)
            set(value) = prefs.edit().putString(AUTO_BACKUP_FINGERPRINT, value).apply()
    }

    fun clear() = prefs.edit().clear().apply()

    private companion object {
        const val LOCK_TIMEOUT = "lock_timeout_seconds"
        const val RECOVERY_SET = "recovery_passphrase_set"
        const val PUSH_TOKEN = "push_token"
        const val PUSH_TOKEN_SENT = "push_token_sent"
        const val AUTO_BACKUP_KEY = "auto_backup_sealed_key"
        const val AUTO_BACKUP_FOLDER = "auto_backup_folder"
        const val AUTO_BACKUP_FOLDER_NAME = "auto_backup_folder_name"
        const val AUTO_BACKUP_FINGERPRINT = "auto_backup_fingerprint"
    }
}
