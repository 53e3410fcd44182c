import CNGHTTP2

/// Between HTTP/2 header lists and the server's request and response model: a stream's pseudo-header
/// fields become a `RequestHead` with the same rules as HTTP/1.1's, and a `Response` becomes a header
/// list in which the server owns the framing fields, as `ResponseEncoder` does for HTTP/1.1.
enum HTTP2Fields {
    /// Fields that are connection-specific in HTTP/1.1 and must not appear in HTTP/2 (RFC 9113 §8.2.2),
    /// and those the server writes itself.
    private static let dropped: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "content-length", "date",
    ]

    /// The request head from a complete header block, or why it is refused.
    static func requestHead(pseudo: [String: String], fields: [(String, String)],
                            limits: HTTPLimits) -> Result<RequestHead, RequestRejection> {
        guard let methodText = pseudo[":method"], let target = pseudo[":path"] else {
            return .failure(.badRequest("missing :method or :path"))
        }
        guard HeaderValidation.isToken(methodText) else { return .failure(.badRequest("invalid method")) }
        guard let method = HTTPMethod(rawValue: methodText) else { return .failure(.notImplemented) }
        guard target.utf8.count <= limits.maxRequestLineBytes else { return .failure(.uriTooLong) }
        guard !target.isEmpty, target.utf8.allSatisfy(HeaderValidation.isTargetByte),
              target.hasPrefix("/") || (target == "*" && method == .options) else {
            return .failure(.badRequest("invalid :path"))
        }
        var headers = HTTPHeaders(fields)
        for (_, value) in fields where !HeaderValidation.isFieldValue(value) {
            return .failure(.badRequest("control character in header value"))
        }
        if !headers.contains("Host"), let authority = pseudo[":authority"] {
            headers.add(name: "host", value: authority)
        }
        let lengths = headers.values(for: "Content-Length")
        if lengths.count > 1 { return .failure(.badRequest("repeated Content-Length")) }
        if let declared = lengths.first {
            switch MessageFraming.parseContentLength(declared) {
            case .invalid: return .failure(.badRequest("invalid Content-Length"))
            case .tooLarge: return .failure(.contentTooLarge)
            case .value(let n) where n > limits.maxBodyBytes: return .failure(.contentTooLarge)
            case .value: break
            }
        }
        return .success(RequestHead(method: method, target: target, version: .http2, headers: headers))
    }

    /// The response header list: `:status`, the handler's fields (lowercased; invalid and
    /// connection-specific ones dropped), `server`, `date` and `content-length`.
    static func responseFields(_ response: Response, requestMethod: HTTPMethod?, date: String,
                               serverName: String) -> (fields: [(String, String)], sendsBody: Bool) {
        var out: [(String, String)] = [(":status", String(response.status))]
        var handlerLength: String?
        var hasServer = false
        for (name, value) in response.headers {
            guard HeaderValidation.isToken(name), HeaderValidation.isFieldValue(value) else { continue }
            let lower = name.lowercased()
            if lower == "content-length" { handlerLength = value }
            if dropped.contains(lower) { continue }
            if lower == "server" { hasServer = true }
            out.append((lower, value))
        }
        if !hasServer, !serverName.isEmpty { out.append(("server", serverName)) }
        out.append(("date", date))
        let noContent = HTTPStatus.forbidsBody(response.status)
        let isHead = requestMethod == .head
        if !noContent {
            if isHead, response.body.isEmpty, let declared = handlerLength,
               case .value = MessageFraming.parseContentLength(declared) {
                out.append(("content-length", declared))
            } else {
                out.append(("content-length", String(response.body.count)))
            }
        }
        return (out, !noContent && !isHead && !response.body.isEmpty)
    }

    /// Calls `body` with `fields` as nghttp2 name/value pairs, valid only during the call.
    static func withNameValues<R>(_ fields: [(String, String)], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        var storage: [UInt8] = []
        var spans: [(name: Range<Int>, value: Range<Int>)] = []
        for (name, value) in fields {
            let n = storage.count
            storage.append(contentsOf: name.utf8)
            let v = storage.count
            storage.append(contentsOf: value.utf8)
            spans.append((n..<v, v..<storage.count))
        }
        storage.append(0)  // never empty, so the base address exists
        return storage.withUnsafeMutableBufferPointer { bytes in
            let base = bytes.baseAddress!
            let list = spans.map { span in
                nghttp2_nv(name: base + span.name.lowerBound, value: base + span.value.lowerBound,
                           namelen: span.name.count, valuelen: span.value.count,
                           flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return list.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }
}
