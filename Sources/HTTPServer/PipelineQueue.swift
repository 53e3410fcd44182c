/// Requests of one connection that were dispatched but not yet answered, in arrival order.
/// Handlers may finish in any order; responses leave strictly in request order (RFC 9112 §9.3.2),
/// so a finished response waits here until every earlier one has gone.
struct PipelineQueue {
    struct Entry {
        let sequence: UInt64
        let method: HTTPMethod?
        let methodText: String
        let path: String
        let requestBodyBytes: Int
        let startedAt: UInt64
        /// The request asked to close (or the server decided to) after this response.
        let closeAfter: Bool
        var response: Response?
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// Adds a request awaiting its response; returns the sequence number its response must cite.
    mutating func append(method: HTTPMethod?, methodText: String, path: String, requestBodyBytes: Int,
                         startedAt: UInt64, closeAfter: Bool, response: Response? = nil) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        entries.append(Entry(sequence: sequence, method: method, methodText: methodText, path: path,
                             requestBodyBytes: requestBodyBytes, startedAt: startedAt,
                             closeAfter: closeAfter, response: response))
        return sequence
    }

    /// Records a handler's response. Returns false for an unknown or already answered sequence (a
    /// handler that responded twice).
    mutating func complete(_ sequence: UInt64, with response: Response) -> Bool {
        guard let first = entries.first, sequence >= first.sequence else { return false }
        let index = Int(sequence - first.sequence)
        guard index < entries.count, entries[index].response == nil else { return false }
        entries[index].response = response
        return true
    }

    /// The oldest entry, if it has its response.
    mutating func popReady() -> Entry? {
        guard let first = entries.first, first.response != nil else { return nil }
        return entries.removeFirst()
    }

    mutating func removeAll() { entries.removeAll() }
}
