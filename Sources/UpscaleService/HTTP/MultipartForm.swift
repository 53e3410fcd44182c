import Foundation

/// A `multipart/form-data` body (RFC 7578, framing from RFC 2046 §5.1.1), what an HTML form with a
/// file input sends. Parts are located by the boundary delimiter `CRLF--boundary`; their content
/// is kept as slices of the body, not copied.
struct MultipartForm: Sendable {
    struct Part: Sendable {
        /// The part's header fields, names lowercased.
        var headers: [String: String]
        /// `name` from `Content-Disposition: form-data; name="..."`.
        var name: String?
        var filename: String?
        var contentType: String?
        var content: ArraySlice<UInt8>
    }

    enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidBoundary
        case missingFirstBoundary
        case unterminatedPart
        case malformedPartHeaders
        case tooManyParts(limit: Int)

        var description: String {
            switch self {
            case .invalidBoundary: "the multipart boundary is missing or longer than 70 characters"
            case .missingFirstBoundary: "the multipart body does not start with its boundary"
            case .unterminatedPart: "the multipart body ends inside a part (no closing boundary)"
            case .malformedPartHeaders: "a multipart part has malformed headers"
            case .tooManyParts(let limit): "the multipart body has more than \(limit) parts"
            }
        }
    }

    static let maxParts = 32
    static let maxPartHeaderBytes = 8 * 1024

    var parts: [Part]

    /// The first part whose field name is `name`.
    func part(named name: String) -> Part? { parts.first { $0.name == name } }

    init(body: [UInt8], boundary: String) throws(ParseError) {
        let boundaryBytes = Array(boundary.utf8)
        guard (1...70).contains(boundaryBytes.count) else { throw .invalidBoundary }
        // Each part ends where `CRLF--boundary` begins. The first delimiter may open the body
        // without the CRLF (no preamble).
        let delimiter: [UInt8] = [0x0D, 0x0A, 0x2D, 0x2D] + boundaryBytes
        var position: Int
        if body.starts(with: delimiter.dropFirst(2)) {
            position = delimiter.count - 2
        } else if let first = Self.find(delimiter, in: body[...], from: 0) {
            position = first + delimiter.count
        } else {
            throw .missingFirstBoundary
        }
        var parts: [Part] = []
        while true {
            // After a delimiter: `--` closes the body; else optional whitespace and CRLF open a part.
            if body.count - position >= 2, body[position] == 0x2D, body[position + 1] == 0x2D { break }
            while position < body.count, body[position] == 0x20 || body[position] == 0x09 { position += 1 }
            guard body.count - position >= 2, body[position] == 0x0D, body[position + 1] == 0x0A else {
                throw .unterminatedPart
            }
            position += 2
            guard let end = Self.find(delimiter, in: body[...], from: position) else { throw .unterminatedPart }
            guard parts.count < Self.maxParts else { throw .tooManyParts(limit: Self.maxParts) }
            parts.append(try Self.part(body[position..<end]))
            position = end + delimiter.count
        }
        self.parts = parts
    }

    /// Splits one part into its header block and content.
    private static func part(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> Part {
        let headerBytes: ArraySlice<UInt8>
        let contentStart: Int
        if bytes.starts(with: [0x0D, 0x0A]) {
            headerBytes = []
            contentStart = bytes.startIndex + 2
        } else if let end = find([0x0D, 0x0A, 0x0D, 0x0A], in: bytes, from: 0) {
            headerBytes = bytes[bytes.startIndex..<(bytes.startIndex + end)]
            contentStart = bytes.startIndex + end + 4
        } else {
            throw .malformedPartHeaders
        }
        guard headerBytes.count <= maxPartHeaderBytes else { throw .malformedPartHeaders }
        var headers: [String: String] = [:]
        for line in String(decoding: headerBytes, as: UTF8.self).components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .malformedPartHeaders }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if headers[name] == nil { headers[name] = value }
        }
        var disposition: [String: String] = [:]
        if let value = headers["content-disposition"] {
            var scanner = ParameterScanner(Substring(value))
            _ = scanner.token(until: ";")
            disposition = scanner.parameters()
        }
        return Part(headers: headers, name: disposition["name"], filename: disposition["filename"],
                    contentType: headers["content-type"], content: bytes[contentStart..<bytes.endIndex])
    }

    /// The offset (from `bytes.startIndex`) of the first `needle` at or after `offset`. Scans for the
    /// needle's first byte with `memchr`, so content without CR costs one pass.
    static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>, from offset: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            var i = offset
            let last = buffer.count - needle.count
            while i <= last {
                guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
                i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var j = 1
                while j < needle.count, buffer[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
                i += 1
            }
            return nil
        }
    }
}
