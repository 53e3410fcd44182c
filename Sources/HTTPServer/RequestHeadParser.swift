/// Incremental parser for the request line and header block (RFC 9112 §2-§5).
///
/// It is fed the connection's unread bytes again and again as they arrive and remembers how far it
/// got, so a client dribbling one byte at a time costs linear, not quadratic, work. It is strict on
/// purpose: every leniency here is a way for a front proxy and this server to disagree about where
/// a request ends.
struct RequestHeadParser {
    enum Outcome {
        case needMore
        /// `consumed` bytes from `start` belong to the head; the body (if any) follows.
        case complete(RequestHead, consumed: Int)
        case rejected(RequestRejection)
    }

    private let limits: HTTPLimits
    /// Offset (from the request's first byte) up to which we have looked for a line feed.
    private var scanned = 0
    private var lineStart = 0
    private var requestLine: (method: HTTPMethod, target: String, version: HTTPVersion)?
    private var fields: [(String, String)] = []
    private var headerBytes = 0
    private var leadingEmptyLines = 0
    /// How far an unfinished request line has been scanned for its spaces, how many it has, and
    /// where its version begins (offsets from the line's start).
    private var requestLineScanned = 0
    private var requestLineSpaces = 0
    private var versionOffset = 0

    /// True once any byte of this request has been seen (the header-read timeout runs from then).
    private(set) var hasStarted = false
    /// What the request line said, as far as it was readable, for logs of rejected requests.
    private(set) var methodText = ""
    private(set) var pathText = ""

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    mutating func parse(_ bytes: [UInt8], start: Int, end: Int) -> Outcome {
        if end > start { hasStarted = true }
        while true {
            var lf: Int? = nil
            var i = start + scanned
            while i < end {
                if bytes[i] == 0x0A { lf = i; break }
                i += 1
            }
            guard let lfIndex = lf else {
                scanned = end - start
                return checkIncompleteLine(bytes[(start + lineStart)..<end])
            }
            let lineEnd = lfIndex - start
            scanned = lineEnd + 1
            // Every line must end in CRLF; a bare LF is where parsers disagree.
            guard lineEnd > lineStart, bytes[lfIndex - 1] == 0x0D else {
                return .rejected(.badRequest("line not terminated by CRLF"))
            }
            let line = bytes[(start + lineStart)..<(lfIndex - 1)]
            lineStart = scanned
            if requestLine == nil {
                if line.isEmpty {
                    // RFC 9112 §2.2: ignore a few empty lines before the request line.
                    leadingEmptyLines += 1
                    requestLineScanned = 0
                    if leadingEmptyLines > 4 { return .rejected(.badRequest("too many empty lines")) }
                    continue
                }
                if line.count > limits.maxRequestLineBytes { return .rejected(.uriTooLong) }
                switch parseRequestLine(line) {
                case .success(let parsed): requestLine = parsed
                case .failure(let rejection): return .rejected(rejection)
                }
                continue
            }
            if line.isEmpty, let parsed = requestLine {
                let head = RequestHead(method: parsed.method, target: parsed.target, version: parsed.version, headers: HTTPHeaders(fields))
                return .complete(head, consumed: lineStart)
            }
            headerBytes += line.count + 2
            if headerBytes > limits.maxHeaderBytes { return .rejected(.headersTooLarge("header block too large")) }
            if fields.count >= limits.maxHeaderCount { return .rejected(.headersTooLarge("too many header fields")) }
            switch parseField(line) {
            case .success(let field): fields.append(field)
            case .failure(let rejection): return .rejected(rejection)
            }
        }
    }

    /// A line still without its line feed is refused as soon as it cannot end well, rather than
    /// when the client gives up: a header line (an obs-fold, or whitespace before the first field)
    /// that starts with whitespace, and a request line whose version can no longer be HTTP/1.0 or
    /// HTTP/1.1.
    private mutating func checkIncompleteLine(_ line: ArraySlice<UInt8>) -> Outcome {
        if requestLine == nil {
            if line.count > limits.maxRequestLineBytes + 1 { return .rejected(.uriTooLong) }
            return checkIncompleteRequestLine(line)
        }
        if let first = line.first, HeaderValidation.isWhitespace(first) {
            return .rejected(.badRequest(fields.isEmpty ? "whitespace before the first header field" : "obsolete line folding"))
        }
        return headerBytes + line.count > limits.maxHeaderBytes + 1
            ? .rejected(.headersTooLarge("header block too large")) : .needMore
    }

    /// Once the version has begun (after the second space), it is checked byte by byte against
    /// `HTTP/` DIGIT `.` DIGIT; when it is complete or cannot become one, the line is judged as it
    /// stands, so the answer (400, 501 or 505) is the one the whole line would get.
    private mutating func checkIncompleteRequestLine(_ line: ArraySlice<UInt8>) -> Outcome {
        // Only the bytes new since the last call are scanned for spaces, so a request line sent a
        // byte at a time costs linear work.
        var i = line.startIndex + requestLineScanned
        while i < line.endIndex, requestLineSpaces < 3 {
            if line[i] == 0x20 {
                requestLineSpaces += 1
                if requestLineSpaces == 2 { versionOffset = i + 1 - line.startIndex }
            }
            i += 1
        }
        requestLineScanned = i - line.startIndex
        guard requestLineSpaces >= 2 else { return .needMore }
        var version = line[(line.startIndex + versionOffset)...]
        // A CR at the very end may be the start of the CRLF.
        if version.last == 0x0D { version = version.dropLast() }
        if requestLineSpaces == 2, version.count < 8, Self.isVersionPrefix(version) { return .needMore }
        switch parseRequestLine(line.last == 0x0D ? line.dropLast() : line) {
        case .failure(let rejection): return .rejected(rejection)
        case .success: return .needMore
        }
    }

    /// True while `v` can still grow into `HTTP/` DIGIT `.` DIGIT.
    private static func isVersionPrefix(_ v: ArraySlice<UInt8>) -> Bool {
        let pattern = Array("HTTP/0.0".utf8)
        for (offset, b) in v.enumerated() {
            switch offset {
            case 5, 7: if !(0x30...0x39).contains(b) { return false }
            default: if b != pattern[offset] { return false }
            }
        }
        return true
    }

    /// request-line = method SP request-target SP HTTP-version, single spaces only.
    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) -> Result<(method: HTTPMethod, target: String, version: HTTPVersion), RequestRejection> {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        if let first = parts.first {
            methodText = String(decoding: first.prefix(32), as: UTF8.self)
        }
        if parts.count > 1 {
            pathText = RequestHead.split(target: String(decoding: parts[1].prefix(1024), as: UTF8.self)).path
        }
        guard parts.count == 3 else { return .failure(.badRequest("malformed request line")) }
        let (m, t, v) = (parts[0], parts[1], parts[2])
        guard HeaderValidation.isToken(m) else { return .failure(.badRequest("invalid method")) }
        guard !t.isEmpty, t.allSatisfy(HeaderValidation.isTargetByte) else {
            return .failure(.badRequest("invalid request target"))
        }
        guard var version = Self.parseVersion(v) else { return .failure(.badRequest("malformed HTTP version")) }
        // RFC 9110 §2.5: a later minor version of a major version we speak is served as our highest one.
        if version.major == 1, version.minor > 1 { version = .http1_1 }
        guard version == .http1_0 || version == .http1_1 else { return .failure(.versionNotSupported) }
        guard let method = HTTPMethod(rawValue: String(decoding: m, as: UTF8.self)) else {
            return .failure(.notImplemented)
        }
        let target = String(decoding: t, as: UTF8.self)
        let isOrigin = t.first == UInt8(ascii: "/")
        let isAsterisk = target == "*" && method == .options
        let isAbsolute = target.lowercased().hasPrefix("http://") || target.lowercased().hasPrefix("https://")
        guard isOrigin || isAsterisk || isAbsolute else {
            return .failure(.badRequest("invalid request target"))
        }
        return .success((method, target, version))
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT
    static func parseVersion(_ v: ArraySlice<UInt8>) -> HTTPVersion? {
        guard v.count == 8, v.starts(with: Array("HTTP/".utf8)) else { return nil }
        let b = Array(v)
        func digit(_ x: UInt8) -> Int? { (0x30...0x39).contains(x) ? Int(x - 0x30) : nil }
        guard let major = digit(b[5]), b[6] == UInt8(ascii: "."), let minor = digit(b[7]) else { return nil }
        return HTTPVersion(major: major, minor: minor)
    }

    /// field-line = field-name ":" OWS field-value OWS
    private func parseField(_ line: ArraySlice<UInt8>) -> Result<(String, String), RequestRejection> {
        guard let first = line.first, !HeaderValidation.isWhitespace(first) else {
            return .failure(.badRequest("obsolete line folding"))
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            return .failure(.badRequest("header line without colon"))
        }
        let name = line[line.startIndex..<colon]
        // Rejects whitespace before the colon too: SP is not a token byte.
        guard HeaderValidation.isToken(name) else { return .failure(.badRequest("invalid header name")) }
        var value = line[(colon + 1)...]
        while let f = value.first, HeaderValidation.isWhitespace(f) { value.removeFirst() }
        while let l = value.last, HeaderValidation.isWhitespace(l) { value.removeLast() }
        guard HeaderValidation.isFieldValue(value) else {
            return .failure(.badRequest("control character in header value"))
        }
        return .success((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
    }
}
