package app.nyckel.app.logic

/**
 * Keeps the providers' push token current.
 *
 * FCM and APNs hand out a new token whenever they like — at start, or in the background while
 * the vault is locked — but telling the providers (`NyckelApprovals.updatePushToken`) needs
 * the vault unlocked. So the app keeps two values in its preferences ([Store]): the current
 * token and the last one every provider accepted. After every unlock, and when a token arrives
 * while unlocked, the app calls [sync]: when they differ, the current token is sent and
 * recorded — only if the call succeeded for every enrollment (`updatePushToken` tries them all
 * and reports the first error; calling again is harmless), so a failure is retried at the
 * next unlock.
 *
 * Plain Kotlin (JVM-tested); the iOS app has the same rule in `Logic/PushTokenSync.swift`.
 */
class PushTokenSync(private val store: Store) {
    /** The two preferences. Tokens are not secrets, but they are never logged either. */
    interface Store {
        /** The token FCM/APNs gave last (null: none yet, e.g. push not configured). */
        val current: String?
        /** The token every provider was last told successfully (null: never). */
        var lastSent: String?
    }

    /** The token to send now, or null when there is none or the providers already have it. */
    fun pending(): String? = needsSending(store.current, store.lastSent)

    /**
     * Sends the pending token, if any, with [send] (`updatePushToken`, blocking; throws on
     * failure, which leaves the record unchanged and is rethrown). Returns the token sent, or
     * null when nothing needed sending. One sync at a time: a second caller waits and then
     * finds nothing left to do.
     */
    @Synchronized
    fun sync(send: (String) -> Unit): String? {
        val token = pending() ?: return null
        send(token)
        // The token sent, not a newer one that arrived meanwhile: that one is sent next time.
        store.lastSent = token
        return token
    }

    companion object {
        /** The rule itself: a non-empty current token the providers have not accepted yet. */
        fun needsSending(current: String?, lastSent: String?): String? =
            current?.takeIf { it.isNotEmpty() && it != lastSent }
    }
}
