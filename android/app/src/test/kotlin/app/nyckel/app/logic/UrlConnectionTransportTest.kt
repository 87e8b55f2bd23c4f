package app.nyckel.app.logic

import app.nyckel.app.logic.UrlConnectionTransport.Request
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.net.ServerSocket
import kotlin.test.AfterTest
import kotlin.test.BeforeTest
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** Against the JDK's loopback HTTP server (http is allowed on loopback only). */
class UrlConnectionTransportTest {
    private lateinit var server: HttpServer
    private val base get() = "http://127.0.0.1:${server.address.port}"
    private val transport = UrlConnectionTransport(connectTimeoutMillis = 2_000, readTimeoutMillis = 2_000, maxBodyBytes = 1024)

    @BeforeTest
    fun start() {
        server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/echo") { ex ->
            val body = ex.requestBody.readBytes()
            ex.responseHeaders.add("Content-Type", "application/json")
            ex.responseHeaders.add("X-Method", ex.requestMethod)
            ex.responseHeaders.add("X-Nonce", ex.requestHeaders.getFirst("Nyckel-Nonce") ?: "")
            ex.sendResponseHeaders(200, if (body.isEmpty()) -1 else body.size.toLong())
            if (body.isNotEmpty()) ex.responseBody.use { it.write(body) } else ex.close()
        }
        server.createContext("/refuse") { ex ->
            val body = """{"error":"wrong_number","message":"no"}""".toByteArray()
            ex.sendResponseHeaders(422, body.size.toLong())
            ex.responseBody.use { it.write(body) }
        }
        server.createContext("/redirect") { ex ->
            ex.responseHeaders.add("Location", "https://elsewhere.example/")
            ex.sendResponseHeaders(302, -1)
            ex.close()
        }
        server.createContext("/huge") { ex ->
            ex.sendResponseHeaders(200, 0)
            ex.responseBody.use { out -> repeat(64) { out.write(ByteArray(1024) { 'a'.code.toByte() }) } }
        }
        server.createContext("/slow") { ex ->
            Thread.sleep(4_000)
            ex.sendResponseHeaders(200, -1)
            ex.close()
        }
        server.start()
    }

    @AfterTest
    fun stop() {
        server.stop(0)
    }

    @Test
    fun `POST sends headers and body and returns status, headers and body`() {
        val body = """{"a":1}""".toByteArray()
        val r = transport.execute(Request("POST", "$base/echo", listOf("Nyckel-Nonce" to "n1", "Content-Type" to "application/json"), body))
        assertEquals(200, r.status)
        assertContentEquals(body, r.body)
        assertTrue(r.headers.any { (k, v) -> k.equals("X-Nonce", true) && v == "n1" })
        assertTrue(r.headers.any { (k, v) -> k.equals("X-Method", true) && v == "POST" })
    }

    @Test
    fun `GET PUT and DELETE work`() {
        for (m in listOf("GET", "PUT", "DELETE")) {
            val r = transport.execute(Request(m, "$base/echo", emptyList(), if (m == "PUT") "{}".toByteArray() else ByteArray(0)))
            assertEquals(200, r.status, m)
            assertTrue(r.headers.any { (k, v) -> k.equals("X-Method", true) && v == m }, m)
        }
    }

    @Test
    fun `error statuses come back with their body`() {
        val r = transport.execute(Request("POST", "$base/refuse", emptyList(), "{}".toByteArray()))
        assertEquals(422, r.status)
        assertEquals("""{"error":"wrong_number","message":"no"}""", r.body.decodeToString())
    }

    @Test
    fun `redirects are not followed`() {
        val r = transport.execute(Request("GET", "$base/redirect", emptyList(), ByteArray(0)))
        assertEquals(302, r.status)
    }

    @Test
    fun `bodies are cut one byte past the limit`() {
        val r = transport.execute(Request("GET", "$base/huge", emptyList(), ByteArray(0)))
        assertEquals(1025, r.body.size)
    }

    @Test
    fun `no answer in time is Unreachable`() {
        val e = assertFailsWith<UrlConnectionTransport.Unreachable> {
            transport.execute(Request("GET", "$base/slow", emptyList(), ByteArray(0)))
        }
        assertEquals("the provider did not answer in time", e.reason)
    }

    @Test
    fun `a closed port is Unreachable`() {
        val port = ServerSocket(0).use { it.localPort }
        assertFailsWith<UrlConnectionTransport.Unreachable> {
            transport.execute(Request("GET", "http://127.0.0.1:$port/x", emptyList(), ByteArray(0)))
        }
    }

    @Test
    fun `plain http is refused except on loopback, without connecting`() {
        val e = assertFailsWith<UrlConnectionTransport.Unreachable> {
            transport.execute(Request("GET", "http://idp.example.se/nyckel/v1/time", emptyList(), ByteArray(0)))
        }
        assertTrue(e.reason.contains("https"))
        assertFailsWith<UrlConnectionTransport.Unreachable> { transport.execute(Request("GET", "ftp://x/", emptyList(), ByteArray(0))) }
        assertFailsWith<UrlConnectionTransport.Unreachable> { transport.execute(Request("PATCH", "$base/echo", emptyList(), ByteArray(0))) }
        assertFailsWith<UrlConnectionTransport.Unreachable> { transport.execute(Request("GET", "not a url", emptyList(), ByteArray(0))) }
    }
}
