package app.nyckel.app.push

import android.Manifest
import android.app.PendingIntent
import android.content.Intent
import android.content.pm.PackageManager
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import app.nyckel.app.MainActivity
import app.nyckel.app.NyckelApplication
import app.nyckel.app.R
import app.nyckel.app.logic.PushPayload
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/**
 * Receives the push trigger. The payload is `{"nyckel": 1, "requestId": "<id>"}` and carries no
 * account, context or number (protocol §5): the app takes only the request id and shows a
 * generic "Are you trying to sign in?" notification. Tapping it opens the approval screen,
 * which unlocks the vault if needed and fetches + verifies the request with
 * `pendingRequests()`. Nothing from the push is ever shown as fact.
 */
class NyckelMessagingService : FirebaseMessagingService() {

    override fun onMessageReceived(message: RemoteMessage) {
        val requestId = PushPayload.requestId(message.data) ?: return
        val graph = (application as NyckelApplication).graph
        graph.pendingRequestId.value = requestId
        notify(requestId)
    }

    override fun onNewToken(token: String) {
        val graph = (application as NyckelApplication).graph
        graph.settings.pushToken = token
        // Rotate it with every provider this phone is enrolled with. Needs the vault unlocked
        // (usually it is locked now, in the background): then it is sent after the next unlock
        // (AppGraph.syncPushToken, logic/PushTokenSync).
        graph.syncPushToken()
    }

    private fun notify(requestId: String) {
        if (ContextCompat.checkSelfPermission(this, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED) {
            return
        }
        val open = Intent(this, MainActivity::class.java)
            .setAction(MainActivity.ACTION_APPROVE)
            .putExtra(MainActivity.EXTRA_REQUEST_ID, requestId)
            .addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_CLEAR_TOP)
        val pending = PendingIntent.getActivity(
            this,
            requestId.hashCode(),
            open,
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val notification = NotificationCompat.Builder(this, PushSetup.CHANNEL_ID)
            .setSmallIcon(R.drawable.ic_key)
            .setContentTitle(getString(R.string.notification_sign_in_title))
            .setContentText(getString(R.string.notification_sign_in_text))
            .setCategory(NotificationCompat.CATEGORY_MESSAGE)
            .setPriority(NotificationCompat.PRIORITY_HIGH)
            .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
            .setAutoCancel(true)
            .setTimeoutAfter(120_000) // a sign-in request lives 120 s
            .setContentIntent(pending)
            .build()
        NotificationManagerCompat.from(this).notify(NOTIFICATION_TAG, requestId.hashCode(), notification)
    }

    companion object {
        const val NOTIFICATION_TAG = "sign-in"
    }
}
