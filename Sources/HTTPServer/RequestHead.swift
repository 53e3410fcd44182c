/// Everything the request line and header block say: enough to route, authorize or refuse a
/// request before its body is read.
public struct RequestHead: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (origin-form `/path?query`, or absolute-form).
    public var target: String
    /// The path part of the target, still percent-encoded (routing decides how to decode).
    public var path: String
    /// The raw query string after `?`, without the `?`; nil when the target has none.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders()) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        (path, query) = Self.split(target: target)
    }

    /// Query parameters in order, `+` read as space and percent-escapes decoded; a malformed escape
    /// is kept literally rather than failing the request.
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecode(parts[0])
            let value = parts.count > 1 ? Self.formDecode(parts[1]) : ""
            return (name: name, value: value)
        }
    }

    /// The first query value for `name`.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Splits origin-form or absolute-form targets into path and query. `*` (OPTIONS) stays `*`.
    static func split(target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        if let schemeEnd = rest.range(of: "://"), rest.hasPrefix("http") {
            // absolute-form: drop scheme and authority, keep what follows
            let afterScheme = rest[schemeEnd.upperBound...]
            if let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterScheme[slash...]
            } else {
                rest = "/"
            }
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        if let q = rest.firstIndex(of: "?") {
            return (String(rest[..<q]), String(rest[rest.index(after: q)...]))
        }
        return (String(rest), nil)
    }

    static func formDecode(_ s: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var bytes = s.utf8[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%"), bytes.count >= 2,
                      let hi = hexValue(bytes[bytes.startIndex]),
                      let lo = hexValue(bytes[bytes.index(after: bytes.startIndex)]) {
                out.append(hi << 4 | lo)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
