/// The protocol side of a connection, apart from its socket: HTTP/1.1 (`HTTP1Session`) or HTTP/2
/// (`HTTP2Session`). It takes events and answers with actions; the socket driver (`Connection`)
/// carries the actions out and owns every descriptor, Dispatch source and buffer of unsent bytes.
/// So a session is tested by feeding it bytes and reading what it asks for, with no socket or sleep.
protocol ConnectionSession: AnyObject {
    /// Handles one event; what the driver must do is appended to `actions`, in order.
    func handle(_ event: ConnectionEvent, context: ConnectionContext, actions: inout [ConnectionAction])

    /// The earliest moment a timeout of this session could fire (the driver then sends `.timer`).
    func nextDeadline() -> UInt64?

    /// Whether the driver should keep reading from the socket. False pauses reading, so a client that
    /// sends faster than it is served meets TCP's own flow control.
    func acceptsInput(context: ConnectionContext) -> Bool
}

/// What happened to a connection.
enum ConnectionEvent {
    /// Bytes arrived; the buffer is valid only during the call.
    case received(UnsafeRawBufferPointer)
    /// A handler answered the request the session dispatched under `id`.
    case responded(id: UInt64, Response)
    /// Every byte written so far has gone to the socket.
    case outputFlushed
    /// The timer fired; `context.now` says when.
    case timer
    /// The server is shutting down: finish what is in flight, take nothing new.
    case drain
    /// The connection is closed (or lingering): requests still waiting on it are abandoned.
    case closed
}

/// What the driver knows that a session needs with each event.
struct ConnectionContext {
    var now: UInt64
    /// Bytes queued for the socket and not yet written.
    var pendingOutput: Int
    var isDraining: Bool
}

/// What a session asks the driver to do.
enum ConnectionAction {
    /// Queue bytes for the socket.
    case write([UInt8])
    /// Hand a request to the server's handler; its response comes back as `.responded(id:)`.
    case dispatch(Request, id: UInt64)
    /// A response was queued (for access logs and metrics).
    case completed(RequestSummary)
    /// Write what is queued, then half-close and linger so the peer reads it all, then close.
    case closeAfterWrite
    /// Close at once.
    case close
    /// Continue the connection as HTTP/2 (after a client preface, or a `101` to `Upgrade: h2c`).
    case switchToHTTP2(HTTP2Start)
    /// HTTP/2 streams opened (+) or closed (-).
    case streamsOpenChanged(Int)
    /// An HTTP/2 GOAWAY was sent, for `reason`.
    case goawaySent(reason: String)
}

/// How an HTTP/1.1 connection becomes HTTP/2.
enum HTTP2Start {
    /// The client began with the HTTP/2 connection preface; `received` holds every byte read so far,
    /// preface included.
    case priorKnowledge(received: [UInt8])
    /// The client asked for `Upgrade: h2c` on a request without a body and was answered `101`; the
    /// request becomes stream 1. `received` holds the bytes read after the request.
    case upgrade(request: RequestHead, settings: [UInt8], received: [UInt8], startedAt: UInt64)
}

extension ConnectionSession {
    /// `handle` with a fresh action list, for tests.
    func handle(_ event: ConnectionEvent, context: ConnectionContext) -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        handle(event, context: context, actions: &actions)
        return actions
    }
}
