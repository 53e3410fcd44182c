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

    /// Where a running job stands when the engine asks whether to go on.
    public struct Checkpoint: Sendable {
        public let nextTile: Int
        public let tileCount: Int
        /// Runs a body once the job's connection has closed (at once if it has).
        public let onClientGone: @Sendable (@escaping @Sendable () -> Void) -> Void
    }

    /// A running job is between tiles, about to be checked against its client and deadline (worker
    /// thread); it may block, which holds the job there.
    public var checkpoint: (@Sendable (Ticket, Checkpoint) -> Void)?
    /// A running job stopped between tiles: `client_gone` or `deadline`, after `completed` of `tiles` tiles
    /// (worker thread).
    public var cancelled: (@Sendable (_ ticket: Ticket, _ reason: String, _ completed: Int, _ tiles: Int) -> Void)?
    /// The working memory of finished jobs went back to the system (the thread that released it).
    public var memoryReleased: (@Sendable (MemoryRelease.Report) -> Void)?

    public init(queued: (@Sendable (Ticket) -> Void)? = nil, willRun: (@Sendable (Ticket) -> Void)? = nil,
                dropped: (@Sendable (Ticket, String) -> Void)? = nil,
                checkpoint: (@Sendable (Ticket, Checkpoint) -> Void)? = nil,
                cancelled: (@Sendable (Ticket, String, Int, Int) -> Void)? = nil,
                memoryReleased: (@Sendable (MemoryRelease.Report) -> Void)? = nil) {
        self.queued = queued
        self.willRun = willRun
        self.dropped = dropped
        self.checkpoint = checkpoint
        self.cancelled = cancelled
        self.memoryReleased = memoryReleased
    }
}
