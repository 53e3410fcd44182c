/// The request methods this server implements. Anything else is answered `501 Not Implemented`
/// before a handler sees it; TRACE and CONNECT are left out on purpose (reflection and tunnelling
/// have no place in an upscaling service).
public enum HTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
    case options = "OPTIONS"
    case patch = "PATCH"
}

/// `HTTP/major.minor`: from the request line over HTTP/1 (only 1.0 and 1.1 reach a handler, others get
/// 505), 2.0 for a request that came on an HTTP/2 stream.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
    public static let http2 = HTTPVersion(major: 2, minor: 0)

    public var description: String { "HTTP/\(major).\(minor)" }
}

/// Which protocol carried a request, as metrics label it.
public enum HTTPProtocol: String, Sendable, Hashable, CaseIterable {
    /// HTTP/1.1 or 1.0.
    case http1_1 = "http/1.1"
    /// HTTP/2 (cleartext, h2c).
    case h2
}
