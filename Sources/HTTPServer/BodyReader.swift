/// Collects one request body according to its framing, from the connection's unread bytes.
struct BodyReader {
    private enum Mode {
        case length(remaining: Int)
        case chunked(ChunkedDecoder)
    }

    private var mode: Mode

    init(framing: MessageFraming.Body, limits: HTTPLimits) {
        switch framing {
        case .none: mode = .length(remaining: 0)
        case .length(let n): mode = .length(remaining: n)
        case .chunked:
            mode = .chunked(ChunkedDecoder(
                maxBodyBytes: limits.maxBodyBytes, maxLineBytes: limits.maxChunkLineBytes,
                maxTrailerBytes: limits.maxHeaderBytes))
        }
    }

    var isFinished: Bool {
        switch mode {
        case .length(let remaining): remaining == 0
        case .chunked(let decoder): decoder.isFinished
        }
    }

    /// Moves body bytes from `bytes[start..<end]` into `body`; returns the count consumed.
    mutating func read(_ bytes: [UInt8], start: Int, end: Int, into body: inout [UInt8]) -> Result<Int, RequestRejection> {
        switch mode {
        case .length(let remaining):
            let n = min(remaining, end - start)
            body.append(contentsOf: bytes[start..<(start + n)])
            mode = .length(remaining: remaining - n)
            return .success(n)
        case .chunked(var decoder):
            mode = .length(remaining: 0)  // release the decoder's buffers while mutating the copy
            let result = decoder.decode(bytes, start: start, end: end, into: &body)
            mode = .chunked(decoder)
            return result
        }
    }
}
