/// Serializes a response head (RFC 9112 §4, §6.3). Framing headers are the server's alone: a
/// handler cannot make the server announce a length it will not send.
enum ResponseEncoder {
    struct Encoded {
        var head: [UInt8]
        /// False for HEAD and for statuses that never carry content.
        var sendsBody: Bool
    }

    /// Headers a handler may not set; the server writes its own.
    private static let serverOwned = ["content-length", "transfer-encoding", "connection", "date", "keep-alive"]

    static func encode(
        _ response: Response, requestMethod: HTTPMethod?, close: Bool, date: String, serverName: String
    ) -> Encoded {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func line(_ s: String) {
            out.append(contentsOf: s.utf8)
            out.append(0x0D)
            out.append(0x0A)
        }
        line("HTTP/1.1 \(response.status) \(response.reasonPhrase)")

        var handlerLength: String?
        var hasServer = false
        for (name, value) in response.headers {
            // A CR or LF here would let a value split the response; such fields are dropped.
            guard HeaderValidation.isToken(name), HeaderValidation.isFieldValue(value) else { continue }
            let lower = name.lowercased()
            if lower == "content-length" {
                handlerLength = value
                continue
            }
            if serverOwned.contains(lower) { continue }
            if lower == "server" { hasServer = true }
            line("\(name): \(value)")
        }
        if !hasServer, !serverName.isEmpty { line("Server: \(serverName)") }
        line("Date: \(date)")

        let noContent = HTTPStatus.forbidsBody(response.status)
        let isHead = requestMethod == .head
        if !noContent {
            // HEAD answers with the length a GET would have; a handler that skipped building the
            // body may state that length itself.
            if isHead, response.body.isEmpty, let declared = handlerLength,
               case .value = MessageFraming.parseContentLength(declared) {
                line("Content-Length: \(declared)")
            } else {
                line("Content-Length: \(response.body.count)")
            }
        }
        line("Connection: \(close ? "close" : "keep-alive")")
        line("")
        return Encoded(head: out, sendsBody: !noContent && !isHead && !response.body.isEmpty)
    }

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}
