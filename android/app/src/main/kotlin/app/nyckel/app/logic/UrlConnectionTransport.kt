package app.nyckel.app.logic

import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.InputStream
import java.net.HttpURLConnection
import java.net.URI
import java.net.URL

/**
 * Executes the plain HTTP requests the Nyckel core builds (it is sans-I/O), with
 * `HttpURLConnection`: no redirects (a redirect is returned as is; the core treats it as an
 * error), no caches, no cookies, 10 s timeouts, responses cut at [maxBodyBytes] + 1 bytes (the
 * core then reports "too large" instead of buffering a hostile body), `https` only except to
 * loopback hosts (protocol §1; the core checks this too).
 *
 * Plain JVM (`java.net`), tested against a loopback server; the Android app adapts it to the
 * FFI `HttpClient` trait in `net/FfiHttpClient.kt`. It blocks: Nyckel calls it on the thread
 * that made the FFI call, which is already a `Dispatchers.IO` worker.
 */
class UrlConnectionTransport(
    private val connectTimeoutMillis: Int = 10_000,
    private val readTimeoutMillis: Int = 10_000,
    private val maxBodyBytes: Int = 256 * 1024,
    private val userAgent: String = "Nyckel",
) {
    data class Request(val method: String, val url: String, val headers: List<Pair<String, String>>, val body: ByteArray) {
        override fun equals(other: Any?) = other is Request && method == other.method && url == other.url &&
            headers == other.headers && body.contentEquals(other.body)
        override fun hashCode() = (method.hashCode() * 31 + url.hashCode()) * 31 + body.contentHashCode()
    }

    data class Response(val status: Int, val headers: List<Pair<String, String>>, val body: ByteArray) {
        override fun equals(other: Any?) = other is Response && status == other.status &&
            headers == other.headers && body.contentEquals(other.body)
        override fun hashCode() = status * 31 + body.contentHashCode()
    }

    /** No response was received; [reason] is one line for the user / logs (no secrets: URLs only). */
    class Unreachable(val reason: String) : IOException(reason)

    fun execute(request: Request): Response {
        val url = checkedUrl(request.url)
        val method = request.method.uppercase()
        if (method !in METHODS) throw Unreachable("unsupported HTTP method $method")
        val conn = try {
            url.openConnection() as HttpURLConnection
        } catch (e: IOException) {
            throw Unreachable(describe(e))
        }
        try {
            conn.instanceFollowRedirects = false
            conn.useCaches = false
            conn.connectTimeout = connectTimeoutMillis
            conn.readTimeout = readTimeoutMillis
            conn.requestMethod = method
            conn.setRequestProperty("User-Agent", userAgent)
            conn.setRequestProperty("Accept-Encoding", "identity")
            for ((name, value) in request.headers) conn.addRequestProperty(name, value)
            if (request.body.isNotEmpty() || method == "POST" || method == "PUT") {
                conn.doOutput = true
                conn.setFixedLengthStreamingMode(request.body.size)
                conn.outputStream.use { it.write(request.body) }
            }
            val status = conn.responseCode
            if (status < 0) throw Unreachable("not an HTTP response")
            val stream: InputStream? = if (status >= 400) conn.errorStream else try {
                conn.inputStream
            } catch (e: IOException) {
                conn.errorStream
            }
            val body = stream?.use { readCapped(it, maxBodyBytes + 1) } ?: ByteArray(0)
            val headers = conn.headerFields.orEmpty().flatMap { (name, values) ->
                if (name == null) emptyList() else values.map { name to it }
            }
            return Response(status, headers, body)
        } catch (e: Unreachable) {
            throw e
        } catch (e: IOException) {
            throw Unreachable(describe(e))
        } finally {
            conn.disconnect()
        }
    }

    private fun checkedUrl(text: String): URL {
        val uri = try {
            URI(text)
        } catch (e: Exception) {
            throw Unreachable("invalid provider URL")
        }
        val scheme = uri.scheme?.lowercase()
        val host = uri.host?.lowercase()?.removePrefix("[")?.removeSuffix("]") ?: throw Unreachable("provider URL has no host")
        when (scheme) {
            "https" -> Unit
            "http" -> if (host !in LOOPBACK) throw Unreachable("refusing plain http to $host (https is required)")
            else -> throw Unreachable("unsupported URL scheme $scheme")
        }
        return uri.toURL()
    }

    private fun describe(e: IOException): String = when (e) {
        is java.net.SocketTimeoutException -> "the provider did not answer in time"
        is java.net.UnknownHostException -> "unknown host ${e.message.orEmpty()}".trim()
        is java.net.ConnectException -> "could not connect to the provider"
        is javax.net.ssl.SSLException -> "secure connection failed (${e.javaClass.simpleName})"
        else -> e.javaClass.simpleName + (e.message?.let { ": ${it.take(200)}" } ?: "")
    }

    companion object {
        private val METHODS = setOf("GET", "POST", "PUT", "DELETE")
        private val LOOPBACK = setOf("127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "localhost")

        /** Reads at most [limit] bytes. */
        fun readCapped(input: InputStream, limit: Int): ByteArray {
            val out = ByteArrayOutputStream()
            val buf = ByteArray(8192)
            while (out.size() < limit) {
                val n = input.read(buf, 0, minOf(buf.size, limit - out.size()))
                if (n < 0) break
                out.write(buf, 0, n)
            }
            return out.toByteArray()
        }
    }
}
