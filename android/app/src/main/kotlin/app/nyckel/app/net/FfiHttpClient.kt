package app.nyckel.app.net

import android.os.Looper
import app.nyckel.HttpClient
import app.nyckel.HttpException
import app.nyckel.HttpHeader
import app.nyckel.HttpRequest
import app.nyckel.HttpResponse
import app.nyckel.app.logic.UrlConnectionTransport

/**
 * The FFI `HttpClient` (the core is sans-I/O and hands over plain requests) on top of the
 * JVM-tested [UrlConnectionTransport]. Nyckel calls it synchronously on the thread that made
 * the approvals call, which the screens run on `Dispatchers.IO`; running on the main thread
 * would be a bug (NetworkOnMainThreadException), so it is refused early with a clear message.
 */
class FfiHttpClient(private val transport: UrlConnectionTransport) : HttpClient {
    override fun execute(request: HttpRequest): HttpResponse {
        if (Looper.myLooper() == Looper.getMainLooper()) {
            throw HttpException.Unreachable("network call on the main thread (app bug)")
        }
        val response = try {
            transport.execute(
                UrlConnectionTransport.Request(
                    method = request.method,
                    url = request.url,
                    headers = request.headers.map { it.name to it.value },
                    body = request.body,
                ),
            )
        } catch (e: UrlConnectionTransport.Unreachable) {
            throw HttpException.Unreachable(e.reason)
        }
        return HttpResponse(
            status = response.status.toUShort(),
            headers = response.headers.map { (name, value) -> HttpHeader(name, value) },
            body = response.body,
        )
    }
}
