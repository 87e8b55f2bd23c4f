package app.nyckel.app.push

import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import android.util.Log
import app.nyckel.app.AppGraph
import app.nyckel.app.BuildConfig
import app.nyckel.app.R
import com.google.firebase.FirebaseApp
import com.google.firebase.FirebaseOptions
import com.google.firebase.messaging.FirebaseMessaging

/**
 * FCM is optional. With the `nyckel.fcm.*` Gradle properties set, Firebase is initialised by
 * hand (no google-services.json in the repository) and the token is sent with each enrollment
 * and rotated with the providers; without them, the app works by polling (the approval screen
 * fetches `pendingRequests()` when opened and every few seconds while visible).
 */
object PushSetup {
    const val CHANNEL_ID = "sign_in_requests"
    private const val TAG = "NyckelPush"

    val isConfigured: Boolean
        get() = BuildConfig.FCM_APPLICATION_ID.isNotEmpty() && BuildConfig.FCM_SENDER_ID.isNotEmpty()

    fun init(context: Context, graph: AppGraph) {
        createChannel(context)
        if (!isConfigured) return
        if (FirebaseApp.getApps(context).isEmpty()) {
            val options = FirebaseOptions.Builder()
                .setApplicationId(BuildConfig.FCM_APPLICATION_ID)
                .setApiKey(BuildConfig.FCM_API_KEY)
                .setProjectId(BuildConfig.FCM_PROJECT_ID)
                .setGcmSenderId(BuildConfig.FCM_SENDER_ID)
                .build()
            FirebaseApp.initializeApp(context, options)
        }
        FirebaseMessaging.getInstance().token.addOnCompleteListener { task ->
            if (task.isSuccessful) {
                graph.settings.pushToken = task.result
                // Sent to the providers if they do not have it, now or after the next unlock.
                graph.syncPushToken()
            } else {
                Log.w(TAG, "no FCM token: ${task.exception?.javaClass?.simpleName}")
            }
        }
    }

    private fun createChannel(context: Context) {
        val channel = NotificationChannel(
            CHANNEL_ID,
            context.getString(R.string.notification_channel_sign_in),
            NotificationManager.IMPORTANCE_HIGH,
        ).apply {
            description = context.getString(R.string.notification_channel_sign_in_description)
            lockscreenVisibility = android.app.Notification.VISIBILITY_PRIVATE
        }
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }
}
