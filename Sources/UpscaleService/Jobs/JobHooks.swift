/// Callbacks around the life of a job, for instrumentation and for tests that must hold a worker at a
/// known point (to fill the queue, say) without sleeping. They run on the thread named in each
/// comment; `willRun` may block, which holds that worker.
public struct JobHooks: Sendable {
    /// What a hook learns of a job.
    public struct Ticket: Sendable {
        public let id: UInt64
        public let requestID: String
        /// `upscale`, `analyze`, `masks` or `warm-up`.
        public let kind: String
    }

    /// The job is in the queue (handler thread).
    public var queued: (@Sendable (Ticket) -> Void)?
    /// A worker is about to run the job (worker thread).
    public var willRun: (@Sendable (Ticket) -> Void)?
    /// The job left the queue without running: `client_gone`, `queue_timeout` (any thread).
    public var dropped: (@Sendable (Ticket, String) -> Void)?

    public init(queued: (@Sendable (Ticket) -> Void)? = nil, willRun: (@Sendable (Ticket) -> Void)? = nil,
                dropped: (@Sendable (Ticket, String) -> Void)? = nil) {
        self.queued = queued
        self.willRun = willRun
        self.dropped = dropped
    }
}
