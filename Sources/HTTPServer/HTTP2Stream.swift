/// One HTTP/2 stream's request as it is read, waits, runs and is answered.
final class HTTP2Stream {
    enum Phase: Equatable {
        /// Its header block is being read.
        case headers
        /// Its body is being read.
        case body
        /// Complete, waiting in the connection for a dispatch slot.
        case waiting
        /// With the handler.
        case dispatched
        /// Its response is submitted (or the server refused it); nothing more is read.
        case responding
    }

    let id: Int32
    var phase = Phase.headers
    /// When its HEADERS began, then (as for HTTP/1.1) when its head was complete.
    var startedAt: UInt64
    /// The last frame that moved it forward, for the body idle timeout.
    var lastProgressAt: UInt64

    // The header block as decoded.
    var pseudo: [String: String] = [:]
    var fields: [(String, String)] = []
    /// Decoded header list size as RFC 9113 §6.5.2 counts it (name + value + 32 per field).
    var headerListBytes = 0
    var headersTooLarge = false
    var head: RequestHead?

    // The body.
    var body: [UInt8] = []
    /// Body bytes counted against the connection's buffer budget until the stream closes.
    var bufferedBytes = 0
    /// Body bytes received but not yet returned to the client's flow-control windows.
    var unconsumedBytes = 0
    /// The request was refused while its body still arrives: further bytes are dropped.
    var discarding = false

    /// The request as handed to the handler; closed when the client resets the stream.
    let state = ConnectionState()

    // The response body, sent by the data provider.
    var responseBody: [UInt8] = []
    var responseOffset = 0

    init(id: Int32, now: UInt64) {
        self.id = id
        startedAt = now
        lastProgressAt = now
    }

    var methodText: String { head?.method.rawValue ?? pseudo[":method"] ?? "" }
    var pathText: String { head?.path ?? RequestHead.split(target: pseudo[":path"] ?? "").path }
}
