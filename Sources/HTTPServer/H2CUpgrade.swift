/// HTTP/1.1's way into cleartext HTTP/2 (RFC 7540 §3.2): a request with `Upgrade: h2c`,
/// `Connection: Upgrade, HTTP2-Settings` and one `HTTP2-Settings` field holding the client's
/// SETTINGS payload in base64url. A request that asks for it in any other way is served as plain
/// HTTP/1.1, as the Upgrade field allows.
enum H2CUpgrade {
    static let switchingProtocols = Array("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".utf8)

    /// The decoded SETTINGS payload when `head` asks for a valid h2c upgrade, else nil.
    static func settings(in head: RequestHead) -> [UInt8]? {
        let headers = head.headers
        guard head.version == .http1_1,
              headers.values(for: "Upgrade").flatMap(HeaderValidation.listElements).contains("h2c") else { return nil }
        let connection = headers.values(for: "Connection").flatMap(HeaderValidation.listElements)
        guard connection.contains("upgrade"), connection.contains("http2-settings") else { return nil }
        let fields = headers.values(for: "HTTP2-Settings")
        guard fields.count == 1, let payload = base64URLDecode(fields[0].trimmingWhitespace()),
              payload.count % 6 == 0 else { return nil }
        return payload
    }

    /// The upgraded request as stream 1 sees it: without the fields that only served the upgrade.
    static func streamRequest(_ head: RequestHead) -> RequestHead {
        var stream = head
        for name in ["Connection", "Upgrade", "HTTP2-Settings", "Keep-Alive"] {
            stream.headers.remove(name: name)
        }
        stream.version = .http2
        return stream
    }

    /// RFC 4648 §5 without padding (a trailing `=` is tolerated); nil for any other byte.
    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for c in text.utf8 {
            let value: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = c - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = c - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = c - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="):
                sawPadding = true
                continue
            default: return nil
            }
            if sawPadding { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return bits >= 6 ? nil : out
    }
}
