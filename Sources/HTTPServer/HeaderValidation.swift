/// Byte classes from RFC 9110 §5.6.2 (tokens) and §5.5 (field values). Request smuggling lives in
/// the gaps between lenient parsers, so these checks are strict and shared by the parser, the
/// framing rules and the response encoder.
enum HeaderValidation {
    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isToken<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        !bytes.isEmpty && bytes.allSatisfy(isTokenByte)
    }

    static func isToken(_ s: String) -> Bool { isToken(s.utf8) }

    /// field-vchar / SP / HTAB; obs-text (0x80-0xFF) is tolerated, every other control byte
    /// (NUL, bare CR, LF, DEL, ...) is refused.
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == 0x09 || (b >= 0x20 && b != 0x7F)
    }

    static func isFieldValue<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.allSatisfy(isFieldValueByte)
    }

    static func isFieldValue(_ s: String) -> Bool { isFieldValue(s.utf8) }

    /// request-target bytes: visible ASCII only (no spaces, controls or raw non-ASCII).
    static func isTargetByte(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// Splits a comma-separated header value into lowercased, trimmed, non-empty elements.
    static func listElements(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    /// Trims optional whitespace (SP / HTAB) as RFC 9110's OWS, not Unicode whitespace.
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, f == " " || f == "\t" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
