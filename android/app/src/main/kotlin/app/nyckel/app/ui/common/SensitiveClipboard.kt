package app.nyckel.app.ui.common

import android.content.ClipData
import android.content.ClipDescription
import android.content.ClipboardManager
import android.content.Context
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.os.PersistableBundle

/**
 * Copies a one-time code: marked sensitive (Android 13+ hides it from the clipboard preview
 * and keyboard suggestions) and cleared after [CLEAR_AFTER_MILLIS] if it is still ours.
 */
object SensitiveClipboard {
    const val CLEAR_AFTER_MILLIS = 30_000L
    private const val LABEL = "Nyckel code"
    private val handler = Handler(Looper.getMainLooper())

    fun copy(context: Context, text: String) {
        val clipboard = context.getSystemService(ClipboardManager::class.java)
        val clip = ClipData.newPlainText(LABEL, text).apply {
            description.extras = PersistableBundle().apply {
                if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
                    putBoolean(ClipDescription.EXTRA_IS_SENSITIVE, true)
                } else {
                    putBoolean("android.content.extra.IS_SENSITIVE", true)
                }
            }
        }
        clipboard.setPrimaryClip(clip)
        val copiedAt = System.currentTimeMillis()
        handler.removeCallbacksAndMessages(LABEL)
        handler.postAtTime({ clearIfOurs(clipboard, copiedAt) }, LABEL, android.os.SystemClock.uptimeMillis() + CLEAR_AFTER_MILLIS)
    }

    private fun clearIfOurs(clipboard: ClipboardManager, copiedAt: Long) {
        // In the background Android 10+ hides the clipboard from us (description is null):
        // then clear anyway; a code must not outlive its use.
        val description = runCatching { clipboard.primaryClipDescription }.getOrNull()
        val ours = description == null ||
            (description.label == LABEL && description.timestamp in copiedAt - 1_000..copiedAt + 1_000)
        if (ours) runCatching { clipboard.clearPrimaryClip() }
    }
}
