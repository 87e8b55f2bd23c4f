import Foundation
import Nyckel

/// The FFI `HttpClient` with URLSession: ephemeral (no cache, no cookies), 10 s timeouts,
/// **no redirects** (returned as the response), `https` only except loopback, bodies cut one
/// byte past 256 KiB (the library then reports "too large"). Nyckel calls `execute`
/// synchronously on the approvals call's thread (the [Blocking] queue, never main), so it
/// waits with a semaphore.
final class URLSessionHttpClient: NSObject, HttpClient, URLSessionTaskDelegate, @unchecked Sendable {
    private static let maxBody = 256 * 1024
    private static let loopback: Set<String> = ["127.0.0.1", "::1", "localhost"]

    private lazy var session: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 10
        config.timeoutIntervalForResource = 30
        config.httpCookieStorage = nil
        config.urlCache = nil
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: config, delegate: self, delegateQueue: nil)
    }()

    func execute(request: HttpRequest) throws -> HttpResponse {
        precondition(!Thread.isMainThread, "Nyckel network calls must not run on the main thread")
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), let host = url.host()?.lowercased() else {
            throw HttpError.Unreachable(reason: "invalid provider URL")
        }
        guard scheme == "https" || (scheme == "http" && Self.loopback.contains(host)) else {
            throw HttpError.Unreachable(reason: "refusing \(scheme) to \(host) (https is required)")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
        if !request.body.isEmpty { urlRequest.httpBody = request.body }

        let done = DispatchSemaphore(value: 0)
        var result: Result<HttpResponse, HttpError> = .failure(.Unreachable(reason: "no response"))
        let task = session.dataTask(with: urlRequest) { data, response, error in
            defer { done.signal() }
            if let error {
                result = .failure(.Unreachable(reason: Self.describe(error)))
                return
            }
            guard let http = response as? HTTPURLResponse else {
                result = .failure(.Unreachable(reason: "not an HTTP response"))
                return
            }
            let headers = http.allHeaderFields.compactMap { key, value -> HttpHeader? in
                guard let name = key as? String else { return nil }
                return HttpHeader(name: name, value: "\(value)")
            }
            let body = (data ?? Data()).prefix(Self.maxBody + 1)
            result = .success(HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: Data(body)))
        }
        task.resume()
        done.wait()
        return try result.get()
    }

    /// Never follow redirects: hand the 3xx back to Nyckel.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    private static func describe(_ error: Error) -> String {
        let e = error as NSError
        switch e.code {
        case NSURLErrorTimedOut: return "the provider did not answer in time"
        case NSURLErrorNotConnectedToInternet: return "no internet connection"
        case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: return "unknown host"
        case NSURLErrorCannotConnectToHost: return "could not connect to the provider"
        case NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate:
            return "secure connection failed"
        default: return "network error \(e.code)"
        }
    }
}
