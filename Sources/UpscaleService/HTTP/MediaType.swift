/// A media type with its parameters, as in `Content-Type: multipart/form-data; boundary="x"` or one
/// range of an `Accept` list (RFC 9110 §8.3.1, §12.5.1). Type and subtype are lowercased; parameter
/// names are lowercased, values kept as sent (quotes and escapes removed).
struct MediaType: Sendable, Equatable {
    var type: String
    var subtype: String
    var parameters: [String: String]

    var essence: String { "\(type)/\(subtype)" }

    /// Nil when the text has no `type/subtype`.
    init?(_ text: Substring) {
        var scanner = ParameterScanner(text)
        let essence = scanner.token(until: ";")
        let parts = essence.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        type = parts[0].lowercased()
        subtype = parts[1].lowercased()
        parameters = scanner.parameters()
    }

    init?(_ text: String) { self.init(Substring(text)) }

    /// An `Accept` header as ranges with their weights, in the order sent. Malformed entries are
    /// skipped; a missing or unreadable `q` counts as 1.
    static func acceptList(_ header: String) -> [(range: MediaType, q: Double)] {
        splitOutsideQuotes(header, on: ",").compactMap { item in
            guard let range = MediaType(item) else { return nil }
            let q = range.parameters["q"].flatMap(Double.init).map { min(max($0, 0), 1) } ?? 1
            return (range, q)
        }
    }

    /// Whether this range (`*/*`, `image/*`, `image/png`) covers `essence`.
    func covers(_ essence: String) -> Bool {
        let parts = essence.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return false }
        if type == "*" { return true }
        return type == parts[0] && (subtype == "*" || subtype == parts[1])
    }

    /// Splits on `separator` where it is not inside a quoted string.
    static func splitOutsideQuotes(_ text: String, on separator: Character) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var inQuotes = false
        var escaped = false
        for index in text.indices {
            let c = text[index]
            if escaped { escaped = false; continue }
            if inQuotes, c == "\\" { escaped = true; continue }
            if c == "\"" { inQuotes.toggle() }
            if c == separator, !inQuotes {
                pieces.append(text[start..<index])
                start = text.index(after: index)
            }
        }
        pieces.append(text[start...])
        return pieces
    }
}

/// Reads `; name=value; name="quoted \" value"` lists, shared by media types and
/// `Content-Disposition`.
struct ParameterScanner {
    private var rest: Substring

    init(_ text: Substring) { rest = text }

    /// The text up to `delimiter` (or the end), trimmed; the delimiter is consumed.
    mutating func token(until delimiter: Character) -> Substring {
        let end = rest.firstIndex(of: delimiter) ?? rest.endIndex
        let token = rest[..<end].trimmingWhitespace()
        rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
        return token
    }

    /// Every remaining `name=value` pair; names lowercased, later duplicates ignored.
    mutating func parameters() -> [String: String] {
        var result: [String: String] = [:]
        while !rest.isEmpty {
            rest = rest.trimmingWhitespace()
            guard let equals = rest.firstIndex(of: "=") else {
                _ = token(until: ";")
                continue
            }
            let name = rest[..<equals].trimmingWhitespace().lowercased()
            rest = rest[rest.index(after: equals)...].trimmingWhitespace()
            let value: String
            if rest.first == "\"" {
                value = quotedString()
                _ = token(until: ";")
            } else {
                value = String(token(until: ";"))
            }
            if !name.isEmpty, result[name] == nil { result[name] = value }
        }
        return result
    }

    /// A quoted string at the start of `rest`, unescaped; an unterminated one runs to the end.
    private mutating func quotedString() -> String {
        var value = ""
        var index = rest.index(after: rest.startIndex)
        while index < rest.endIndex {
            let c = rest[index]
            if c == "\\", rest.index(after: index) < rest.endIndex {
                index = rest.index(after: index)
                value.append(rest[index])
            } else if c == "\"" {
                index = rest.index(after: index)
                break
            } else {
                value.append(c)
            }
            index = rest.index(after: index)
        }
        rest = rest[index...]
        return value
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var view = self
        while let c = view.first, c == " " || c == "\t" { view = view.dropFirst() }
        while let c = view.last, c == " " || c == "\t" { view = view.dropLast() }
        return view
    }
}
