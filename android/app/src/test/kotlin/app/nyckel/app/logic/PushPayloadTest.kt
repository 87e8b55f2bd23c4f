package app.nyckel.app.logic

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull

class PushPayloadTest {
    @Test
    fun `takes only the request id of a nyckel push`() {
        assertEquals("AbC-123_x", PushPayload.requestId(mapOf("nyckel" to "1", "requestId" to "AbC-123_x")))
    }

    @Test
    fun `ignores anything else`() {
        assertNull(PushPayload.requestId(mapOf("requestId" to "abc")))
        assertNull(PushPayload.requestId(mapOf("nyckel" to "2", "requestId" to "abc")))
        assertNull(PushPayload.requestId(mapOf("nyckel" to "1")))
        assertNull(PushPayload.requestId(mapOf("nyckel" to "1", "requestId" to "")))
        assertNull(PushPayload.requestId(mapOf("nyckel" to "1", "requestId" to "a/../b")))
        assertNull(PushPayload.requestId(mapOf("nyckel" to "1", "requestId" to "x".repeat(65))))
        assertNull(PushPayload.requestId(mapOf("nyckel" to "1", "requestId" to "abc\n")))
    }
}
