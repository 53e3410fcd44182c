/// Decodes a `Transfer-Encoding: chunked` body (RFC 9112 §7.1) incrementally, in whatever pieces the
/// socket delivers. Size lines are read strictly (`ChunkSizeLine`) and bounded in length; trailer fields are read and dropped.
struct ChunkedDecoder {
    private enum State {
        case sizeLine
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLine
        case done
    }

    private let maxBodyBytes: Int
    private let maxLineBytes: Int
    private let maxTrailerBytes: Int
    private var state = State.sizeLine
    private var line: [UInt8] = []
    private var trailerBytes = 0
    /// Body bytes announced so far; checked against the limit as each size line arrives, so an
    /// oversized upload is refused before its data is read.
    private(set) var declaredBytes = 0

    init(maxBodyBytes: Int, maxLineBytes: Int, maxTrailerBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.maxLineBytes = maxLineBytes
        self.maxTrailerBytes = maxTrailerBytes
    }

    var isFinished: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes bytes from `bytes[start..<end]`, appending chunk data to `body`; returns how many
    /// bytes it consumed (all of them unless the body ended inside the range).
    mutating func decode(_ bytes: [UInt8], start: Int, end: Int, into body: inout [UInt8]) -> Result<Int, RequestRejection> {
        var i = start
        while i < end {
            switch state {
            case .done:
                return .success(i - start)
            case .data(let remaining):
                let n = min(remaining, end - i)
                body.append(contentsOf: bytes[i..<(i + n)])
                i += n
                state = remaining == n ? .dataCR : .data(remaining: remaining - n)
            case .dataCR:
                guard bytes[i] == 0x0D else { return .failure(.badRequest("chunk data not followed by CRLF")) }
                i += 1
                state = .dataLF
            case .dataLF:
                guard bytes[i] == 0x0A else { return .failure(.badRequest("chunk data not followed by CRLF")) }
                i += 1
                state = .sizeLine
            case .sizeLine, .trailerLine:
                let b = bytes[i]
                i += 1
                if b != 0x0A {
                    line.append(b)
                    if case .sizeLine = state, line.count > maxLineBytes {
                        return .failure(.badRequest("chunk size line too long"))
                    }
                    if case .trailerLine = state, trailerBytes + line.count > maxTrailerBytes {
                        return .failure(.headersTooLarge("trailer section too large"))
                    }
                    continue
                }
                guard line.last == 0x0D else { return .failure(.badRequest("line not terminated by CRLF")) }
                line.removeLast()
                if case .sizeLine = state {
                    switch ChunkSizeLine.parse(line) {
                    case .failure(let r):
                        return .failure(r)
                    case .success(let size):
                        let (total, overflow) = declaredBytes.addingReportingOverflow(size)
                        if overflow || total > maxBodyBytes { return .failure(.contentTooLarge) }
                        declaredBytes = total
                        state = size == 0 ? .trailerLine : .data(remaining: size)
                    }
                } else if line.isEmpty {
                    state = .done
                } else {
                    guard Self.isFieldLine(line) else { return .failure(.badRequest("malformed trailer field")) }
                    trailerBytes += line.count + 2
                }
                line.removeAll(keepingCapacity: true)
            }
        }
        return .success(i - start)
    }

    /// field-line = field-name ":" OWS field-value OWS, as in the header block: a trailer that a
    /// proxy would read as a folded or nameless line is refused, not dropped.
    private static func isFieldLine(_ line: [UInt8]) -> Bool {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return false }
        return HeaderValidation.isToken(line[..<colon]) && HeaderValidation.isFieldValue(line[(colon + 1)...])
    }
}
