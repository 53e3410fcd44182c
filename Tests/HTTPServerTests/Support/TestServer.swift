import Foundation
import HTTPServer
import Logging
import TestSupport

/// A server on an ephemeral port of 127.0.0.1 with its events counted, stopped by `stop()`.
final class TestServer: @unchecked Sendable {
    let server: Server
    let port: Int
    let opened = Counter()
    let closed = Counter()
    let rejected = Counter()
    let completed = Recorder<RequestSummary>()
    let completedCount = Counter()
    /// GOAWAY reasons, in the order sent.
    let goaways = Recorder<String>()
    /// HTTP/2 streams open right now.
    let streamsOpen = Tally()

    init(configure: (inout ServerConfiguration) -> Void = { _ in },
         admission: Server.Admission? = nil,
         handler: @escaping Server.Handler) throws {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let opened = opened, closed = closed, rejected = rejected
        let completed = completed, completedCount = completedCount
        let goaways = goaways, streamsOpen = streamsOpen
        let events = ServerEvents(
            connectionOpened: { _ in opened.increment() },
            connectionClosed: { _ in closed.increment() },
            connectionRejected: { _ in rejected.increment() },
            requestCompleted: { summary in
                completed.append(summary)
                completedCount.increment()
            },
            http2StreamsChanged: { streamsOpen.add($0) },
            http2GoawaySent: { goaways.append($0) })
        var logger = Logger(label: "test.http")
        logger.logLevel = .warning
        server = Server(configuration: configuration, events: events, logger: logger, admission: admission, handler: handler)
        port = try server.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Shuts down and waits for completion (drain deadline `seconds`).
    @discardableResult
    func stop(drainSeconds: Double = 0.5) -> Bool {
        let done = Flag()
        server.shutdown(drainTimeout: .milliseconds(Int(drainSeconds * 1000))) { done.set() }
        return done.wait(seconds: drainSeconds + 5)
    }

    /// Runs `curl` with HTTP/2 by prior knowledge; `-w` prints the protocol version after the body.
    func h2(_ path: String, _ extra: [String] = []) throws -> Curl.Result {
        try Curl.run(["--http2-prior-knowledge", "-w", "\n%{http_version}"] + extra + [url + path])
    }

    /// A handler that echoes method, path and body size as text.
    static let echo: Server.Handler = { request, respond in
        respond(.text("\(request.method.rawValue) \(request.path) \(request.body.count)"))
    }
}
