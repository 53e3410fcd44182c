/// Encoded response bytes waiting for the socket. Bodies are queued as they are, not copied into
/// one buffer, so a large image is written straight from the handler's array.
struct OutboundQueue {
    private var chunks: [[UInt8]] = []
    private var head = 0  // index of the first chunk not fully written
    private var offset = 0  // bytes of chunks[head] already written

    var isEmpty: Bool { head == chunks.count }

    /// Bytes queued and not yet written.
    private(set) var pendingBytes = 0

    mutating func append(_ chunk: [UInt8]) {
        if !chunk.isEmpty {
            chunks.append(chunk)
            pendingBytes += chunk.count
        }
    }

    /// Calls `write` with the next unwritten bytes; `write` returns how many the socket took, or
    /// nil when it would block. Returns false when the socket would block, true when all is written.
    mutating func drain(_ write: (UnsafeRawBufferPointer) -> Int?) -> Bool {
        while head < chunks.count {
            let written = chunks[head].withUnsafeBytes { all in
                write(UnsafeRawBufferPointer(rebasing: all[offset...]))
            }
            guard let n = written else { return false }
            offset += n
            pendingBytes -= n
            if offset == chunks[head].count {
                head += 1
                offset = 0
            }
        }
        chunks.removeAll(keepingCapacity: true)
        head = 0
        return true
    }

    mutating func removeAll() {
        chunks.removeAll()
        head = 0
        offset = 0
        pendingBytes = 0
    }
}
