import HTTPServer
import Imaging

/// One image waiting for, or in the hands of, a worker.
struct UpscaleJob: QueuedJob {
    enum Kind: String, Sendable {
        case upscale, analyze, masks
        case warmUp = "warm-up"
    }

    let id: UInt64
    let kind: Kind
    let requestID: String
    let image: [UInt8]
    let parameters: UpscaleParameters
    let model: LoadedModel
    /// Uptime nanoseconds when the handler got the request (body read), and when it was queued.
    let receivedAt: UInt64
    let queuedAt: UInt64
    let deadline: UInt64
    /// Nil for internal jobs (warm-up), which have no client to lose.
    let connection: ConnectionState?
    /// Answers the request; called exactly once, by whoever takes the job out of the queue.
    let finish: @Sendable (Response, JobResult?) -> Void

    var ticket: JobHooks.Ticket { .init(id: id, requestID: requestID, kind: kind.rawValue) }
}
