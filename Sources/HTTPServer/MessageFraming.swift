/// How a request's body is delimited and what the connection does after it (RFC 9112 §6-§9),
/// decided once from the head. Ambiguous framing is refused rather than guessed at, since a guess
/// that differs from a proxy's is request smuggling.
struct MessageFraming: Sendable, Equatable {
    enum Body: Sendable, Equatable {
        case none
        case length(Int)
        case chunked
    }

    var body: Body
    /// Whether the connection may carry another request after this one.
    var keepAlive: Bool
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before the body.
    var expectsContinue: Bool

    var hasBody: Bool { body != .none && body != .length(0) }

    static func decide(for head: RequestHead, limits: HTTPLimits) -> Result<MessageFraming, RequestRejection> {
        let headers = head.headers
        let hosts = headers.values(for: "Host")
        if hosts.count > 1 || (head.version == .http1_1 && hosts.isEmpty) {
            return .failure(.badRequest("exactly one Host header is required"))
        }

        let transferEncodings = headers.values(for: "Transfer-Encoding")
        let contentLengths = headers.values(for: "Content-Length")
        var body = Body.none
        if !transferEncodings.isEmpty {
            guard contentLengths.isEmpty else {
                return .failure(.badRequest("both Content-Length and Transfer-Encoding"))
            }
            guard head.version == .http1_1 else {
                return .failure(.badRequest("Transfer-Encoding in an HTTP/1.0 request"))
            }
            // Only a single, bare `chunked`: no stacked codings, no repeats, no lists.
            guard transferEncodings.count == 1,
                  transferEncodings[0].trimmingWhitespace().lowercased() == "chunked" else {
                return .failure(.badRequest("unsupported Transfer-Encoding"))
            }
            body = .chunked
        } else if !contentLengths.isEmpty {
            guard contentLengths.count == 1 else {
                return .failure(.badRequest("repeated Content-Length"))
            }
            switch parseContentLength(contentLengths[0]) {
            case .invalid:
                return .failure(.badRequest("invalid Content-Length"))
            case .tooLarge:
                return .failure(.contentTooLarge)
            case .value(let n):
                if n > limits.maxBodyBytes { return .failure(.contentTooLarge) }
                body = .length(n)
            }
        }

        let connectionTokens = headers.values(for: "Connection").flatMap(HeaderValidation.listElements)
        let keepAlive = head.version == .http1_1
            ? !connectionTokens.contains("close")
            : connectionTokens.contains("keep-alive") && !connectionTokens.contains("close")

        // RFC 9110 §10.1.1: only 100-continue is defined; HTTP/1.0 expectations are ignored.
        var expectsContinue = false
        let expectations = headers.values(for: "Expect").flatMap(HeaderValidation.listElements)
        if head.version == .http1_1, !expectations.isEmpty {
            guard expectations.allSatisfy({ $0 == "100-continue" }) else {
                return .failure(.expectationFailed)
            }
            expectsContinue = true
        }
        return .success(MessageFraming(body: body, keepAlive: keepAlive, expectsContinue: expectsContinue))
    }

    enum ContentLength: Equatable { case value(Int), tooLarge, invalid }

    /// `Content-Length = 1*DIGIT`: no sign, no spaces inside, no comma lists (even of equal values).
    static func parseContentLength(_ raw: String) -> ContentLength {
        let digits = raw.utf8
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .invalid }
        var n = 0
        for d in digits {
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(d - 0x30))
            if o1 || o2 { return .tooLarge }
            n = s
        }
        return .value(n)
    }
}
