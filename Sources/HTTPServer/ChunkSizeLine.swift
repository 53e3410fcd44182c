/// The line that opens each chunk (RFC 9112 §7.1), read exactly as the grammar says:
///
///     chunk-size [ chunk-ext ]
///     chunk-size     = 1*HEXDIG
///     chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
///     chunk-ext-name = token
///     chunk-ext-val  = token / quoted-string
///
/// Anything else (`2 xyz`, `2;`, `2;=x`, `2;a=`, whitespace with no extension after it) is refused:
/// a proxy that reads such a line differently from us is where chunked request smuggling starts.
/// Extensions are checked and dropped; none has a meaning here.
enum ChunkSizeLine {
    static func parse<C: Collection>(_ line: C) -> Result<Int, RequestRejection>
    where C.Element == UInt8, C.Index == Int {
        var i = line.startIndex
        let end = line.endIndex
        var size = 0
        while i < end, let d = RequestHead.hexValue(line[i]) {
            let (m, o1) = size.multipliedReportingOverflow(by: 16)
            let (s, o2) = m.addingReportingOverflow(Int(d))
            if o1 || o2 { return .failure(.badRequest("chunk size overflows")) }
            size = s
            i += 1
        }
        guard i > line.startIndex else { return .failure(.badRequest("invalid chunk size")) }
        func skipWhitespace() {
            while i < end, HeaderValidation.isWhitespace(line[i]) { i += 1 }
        }
        func skipToken() -> Bool {
            let start = i
            while i < end, HeaderValidation.isTokenByte(line[i]) { i += 1 }
            return i > start
        }
        while i < end {
            skipWhitespace()
            guard i < end, line[i] == UInt8(ascii: ";") else {
                return .failure(.badRequest("invalid chunk size line"))
            }
            i += 1
            skipWhitespace()
            guard skipToken() else { return .failure(.badRequest("invalid chunk extension name")) }
            let afterName = i
            skipWhitespace()
            guard i < end, line[i] == UInt8(ascii: "=") else {
                // No value: whatever follows must be the next extension (BWS ";") or nothing.
                i = afterName
                if i < end, !HeaderValidation.isWhitespace(line[i]), line[i] != UInt8(ascii: ";") {
                    return .failure(.badRequest("invalid chunk extension"))
                }
                continue
            }
            i += 1
            skipWhitespace()
            if i < end, line[i] == UInt8(ascii: "\"") {
                guard skipQuotedString(line, &i) else { return .failure(.badRequest("invalid chunk extension value")) }
            } else if !skipToken() {
                return .failure(.badRequest("invalid chunk extension value"))
            }
            // After a value only BWS ";" (another extension) or the end of the line may follow.
            if i < end, !HeaderValidation.isWhitespace(line[i]), line[i] != UInt8(ascii: ";") {
                return .failure(.badRequest("invalid chunk extension"))
            }
        }
        return .success(size)
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4); `i` is at the
    /// opening quote and ends past the closing one.
    private static func skipQuotedString<C: Collection>(_ line: C, _ i: inout Int) -> Bool
    where C.Element == UInt8, C.Index == Int {
        i += 1
        while i < line.endIndex {
            let b = line[i]
            switch b {
            case UInt8(ascii: "\""):
                i += 1
                return true
            case UInt8(ascii: "\\"):
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                guard i + 1 < line.endIndex, isQuotedTextByte(line[i + 1]) || line[i + 1] == 0x22 || line[i + 1] == 0x5C
                else { return false }
                i += 2
            default:
                guard isQuotedTextByte(b) else { return false }
                i += 1
            }
        }
        return false
    }

    /// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    private static func isQuotedTextByte(_ b: UInt8) -> Bool {
        b == 0x09 || b == 0x20 || b == 0x21 || (0x23...0x5B).contains(b) || (0x5D...0x7E).contains(b) || b >= 0x80
    }
}
