package app.nyckel.app.logic

/**
 * The push is only a hint (protocol §5): its data is `{"nyckel": 1, "requestId": "<id>"}` and
 * nothing else is trusted from it. The app takes the request id, opens the approval screen,
 * and that screen fetches and verifies the request with `pendingRequests()`.
 */
object PushPayload {
    private val ID = Regex("^[A-Za-z0-9_-]{1,64}$")

    /** The request id of a Nyckel push, or null for any other or malformed message. */
    fun requestId(data: Map<String, String>): String? {
        if (data["nyckel"]?.trim() != "1") return null
        val id = data["requestId"] ?: return null
        return id.takeIf(ID::matches)
    }
}
