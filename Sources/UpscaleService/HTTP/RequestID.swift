import HTTPServer

/// The id that ties a response to its log line: the client's `X-Request-ID` when it is a sane token
/// (so a request can be followed through a proxy chain), else a fresh random one.
enum RequestID {
    static let header = "X-Request-ID"

    static func of(_ head: RequestHead) -> String {
        if let sent = head.headers[header], isAcceptable(sent) { return sent }
        return generate()
    }

    /// 1-128 visible ASCII characters: anything else could forge log lines or bloat them.
    static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        return (1...128).contains(bytes.count) && bytes.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// 128 random bits as 32 hex digits.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let (a, b) = (generator.next() as UInt64, generator.next() as UInt64)
        return hex(a) + hex(b)
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
