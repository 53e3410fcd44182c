/// Bytes read from a socket and not yet parsed. Consumed bytes are dropped lazily, in bulk, so
/// parsing a pipelined stream does not shift the array once per request.
struct InboundBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var start = 0

    var end: Int { bytes.count }
    var readableCount: Int { bytes.count - start }
    var isEmpty: Bool { start == bytes.count }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        if start > 0, start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        }
        bytes.append(contentsOf: chunk)
    }

    mutating func consume(_ n: Int) {
        precondition(n <= readableCount, "consumed more than buffered")
        start += n
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 256 * 1024)
            start = 0
        } else if start >= 64 * 1024, start * 2 >= bytes.count {
            bytes.removeSubrange(0..<start)
            start = 0
        }
    }

    mutating func removeAll() {
        bytes.removeAll()
        start = 0
    }
}
