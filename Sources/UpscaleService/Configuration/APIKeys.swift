import Foundation

/// The bearer tokens that may use the service, read from a file with one token per line (blank lines
/// and `#` comments ignored).
public struct APIKeys: Sendable {
    public enum LoadingError: Error, Sendable, CustomStringConvertible {
        case unreadable(path: String)
        case empty(path: String)

        public var description: String {
            switch self {
            case .unreadable(let path): "cannot read the API keys file \(path)"
            case .empty(let path): "the API keys file \(path) holds no key; an empty list would lock every client out"
            }
        }
    }

    private let tokens: [[UInt8]]

    public init(tokens: [String]) {
        self.tokens = tokens.map { Array($0.utf8) }
    }

    public init(contentsOfFile path: String) throws(LoadingError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        let tokens = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !tokens.isEmpty else { throw .empty(path: path) }
        self.init(tokens: tokens)
    }

    public var count: Int { tokens.count }

    /// Whether an `Authorization` header value carries one of the tokens. Every token is compared in
    /// full, without an early exit, so the time taken tells nothing about how close a guess came.
    func authorizes(_ authorization: String?) -> Bool {
        guard let presented = Self.bearerToken(authorization) else { return false }
        var matched = false
        for token in tokens {
            matched = Self.constantTimeEquals(Array(presented.utf8), token) || matched
        }
        return matched
    }

    /// The token of `Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1).
    static func bearerToken(_ authorization: String?) -> Substring? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingWhitespace()
        return token.isEmpty ? nil : token
    }

    /// Compares every byte position up to the longer length; the running time depends on the
    /// lengths only.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(a.count ^ b.count)
        let length = max(a.count, b.count)
        for i in 0..<length {
            let x = a.isEmpty ? 0 : a[i % a.count]
            let y = b.isEmpty ? 0 : b[i % b.count]
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}
