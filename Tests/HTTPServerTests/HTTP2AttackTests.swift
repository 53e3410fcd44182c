import Foundation
import HTTPServer
import Testing
import TestSupport

/// One protocol error or attack, written frame by frame, and how the server must end it.
struct HTTP2Attack: Sendable, CustomTestStringConvertible {
    var scenario: String
    var count: Int
    /// GOAWAY's error code, and the reason counted in `smsr_http2_goaways_total`.
    var errorCode: Int
    var reason: String
    /// Limits made small so that a short burst crosses them.
    var configure: @Sendable (inout HTTP2Configuration) -> Void = { _ in }
    var testDescription: String { "\(scenario) -> \(reason)" }
}

let http2Attacks: [HTTP2Attack] = [
    // CVE-2023-44487: open and cancel streams as fast as the socket takes them.
    HTTP2Attack(scenario: "rapid_reset", count: 100, errorCode: H2Frames.enhanceYourCalm, reason: "rapid_reset",
                configure: { $0.clientResets = HTTP2RateLimit(burst: 20, perSecond: 1) }),
    // The "made you reset" class: malformed requests the server must reset, one after another.
    HTTP2Attack(scenario: "made_you_reset", count: 100, errorCode: H2Frames.enhanceYourCalm, reason: "made_you_reset",
                configure: { $0.serverResets = HTTP2RateLimit(burst: 20, perSecond: 1) }),
    // CVE-2024-27316 class: a header block that never ends.
    HTTP2Attack(scenario: "continuation_flood", count: 50, errorCode: H2Frames.enhanceYourCalm, reason: "continuation_flood"),
    HTTP2Attack(scenario: "settings_flood", count: 100, errorCode: H2Frames.enhanceYourCalm, reason: "settings_flood"),
    HTTP2Attack(scenario: "ping_flood", count: 200, errorCode: H2Frames.enhanceYourCalm, reason: "ping_flood"),
    // HPACK: one 4,000-byte field referenced 100 times by one byte each (400 kB from 4 kB).
    HTTP2Attack(scenario: "header_bomb", count: 100, errorCode: H2Frames.enhanceYourCalm, reason: "header_bomb"),
    HTTP2Attack(scenario: "protocol_error", count: 0, errorCode: H2Frames.protocolError, reason: "protocol_error"),
    HTTP2Attack(scenario: "even_stream", count: 0, errorCode: H2Frames.protocolError, reason: "protocol_error"),
    HTTP2Attack(scenario: "bad_first_frame", count: 0, errorCode: H2Frames.protocolError, reason: "protocol_error"),
]

@Suite("HTTP/2 protocol errors and attacks")
struct HTTP2AttackTests {
    @Test("the connection gets GOAWAY and is closed; another connection is served throughout and a new one at once",
          arguments: http2Attacks)
    func attack(_ attack: HTTP2Attack) throws {
        let t = try TestServer(configure: { attack.configure(&$0.http2) }, handler: TestServer.echo)
        defer { t.stop() }
        let outcome = try H2Frames.run(attack.scenario, port: t.port, attack.count)
        #expect(outcome.goaway?.error_code == attack.errorCode)
        #expect(outcome.closed)
        #expect(outcome.bystander == [200, 200], "a well-behaved connection kept being served")
        #expect(t.goaways.all == [attack.reason])
        #expect(t.streamsOpen.wait(for: 0), "every stream of the ended connection is counted closed")
        let next = try t.h2("/after")
        #expect(next.output == "GET /after 0\n2")
    }

    @Test("the stock limits stop each flood too")
    func defaultLimits() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        for (scenario, count, reason) in [("rapid_reset", 400, "rapid_reset"), ("made_you_reset", 400, "made_you_reset"),
                                          ("settings_flood", 50, "settings_flood"), ("ping_flood", 100, "ping_flood"),
                                          ("continuation_flood", 10, "continuation_flood")] {
            let outcome = try H2Frames.run(scenario, port: t.port, count)
            #expect(outcome.goaway?.error_code == H2Frames.enhanceYourCalm, "\(scenario)")
            #expect(t.goaways.all.last == reason)
        }
        #expect(try t.h2("/after").output == "GET /after 0\n2")
    }

    @Test("a header list over the limit gets 431 on its stream; the connection goes on")
    func largeHeaders() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let outcome = try H2Frames.run("large_headers", port: t.port, 20)  // 20 fields of 1,000 bytes
        #expect(outcome.responses == ["1": 431, "3": 200])
        #expect(outcome.goaway == nil)
        #expect(t.goaways.all.isEmpty)
    }

    @Test("a body past the limit without a declared length gets 413 and RST_STREAM, unbuffered; the connection goes on")
    func oversizedBody() throws {
        let bodies = Recorder<String>()
        let t = try TestServer(configure: { $0.limits.maxBodyBytes = 10_000 }) { request, respond in
            bodies.append("\(request.path) \(request.body.count)")
            respond(.text("\(request.method.rawValue) \(request.path) \(request.body.count)"))
        }
        defer { t.stop() }
        let outcome = try H2Frames.run("oversized_body", port: t.port, 40)  // 40 DATA frames of 1,000 bytes
        #expect(outcome.responses == ["1": 413, "3": 200])
        #expect(outcome.resets["1"] == 0, "RST_STREAM(NO_ERROR) tells the client to stop sending")
        #expect(!bodies.all.contains { $0.hasPrefix("/upload") }, "the upload never reached the handler")
        #expect(bodies.all.contains("/after 0"))
        #expect(t.completed.all.filter { $0.path == "/upload" }.map(\.status) == [413])
    }

    @Test("a declared content-length over the limit is refused at HEADERS, before any DATA")
    func declaredTooLarge() throws {
        let t = try TestServer(configure: { $0.limits.maxBodyBytes = 10_000 }, handler: TestServer.echo)
        defer { t.stop() }
        let outcome = try H2Frames.run("declared_too_large", port: t.port, 10_001)
        #expect(outcome.responses == ["1": 413, "3": 200])
        #expect(outcome.resets["1"] == 0)
    }

    @Test("an HTTP/2 connection that sends nothing after the preface is closed after the header timeout")
    func prefaceTimeout() throws {
        let t = try TestServer(configure: { $0.timeouts.headerRead = .milliseconds(300) }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        _ = try c.readUntilClosed()  // the server's SETTINGS, then the close
        #expect(t.closed.wait(atLeast: 1))
        #expect(try t.h2("/next").output == "GET /next 0\n2")
    }

    @Test("an idle HTTP/2 connection is sent GOAWAY and closed")
    func idleTimeout() throws {
        let t = try TestServer(configure: { $0.http2.idleTimeout = .milliseconds(300) }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0])
        let bytes = try c.readUntilClosed()
        #expect(bytes.count > 9, "SETTINGS, its ACK and GOAWAY")
        #expect(t.goaways.wait(seconds: 5) { $0 == "idle" })
    }
}
