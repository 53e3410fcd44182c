import Foundation
import HTTPServer

/// Where routes hand CPU-bound work to the worker pool and await its result: `run` queues the work
/// (bounded, with a deadline), a worker runs it, and the route resumes with what it returned or with
/// the refusal that stopped it (queue full, draining, waited too long, client gone).
final class JobRunner: Sendable {
    private let queue: JobQueue<PendingJob>
    private let pool: WorkerPool<PendingJob>
    private let watch: DisconnectWatch
    private let hooks: JobHooks
    private let requestTimeout: Duration
    private let computeSeconds: Double
    private let retryAfterSeconds: Int
    private let metrics: ServiceMetrics
    private let ids = JobIDs()

    init(configuration: ServiceConfiguration, metrics: ServiceMetrics, hooks: JobHooks, catalog: ModelCatalog) {
        let timeout = configuration.requestTimeout
        let queue = JobQueue<PendingJob>(
            capacity: configuration.queueCapacity,
            onExpired: { job in
                metrics.imageRejected(reason: "queue_timeout")
                hooks.dropped?(job.ticket, "queue_timeout")
                job.abandon(.queueTimeout(seconds: timeout.seconds))
            },
            onDepthChange: { metrics.queueDepthChanged($0) })
        let dropClientGone: @Sendable (PendingJob) -> Void = { job in
            metrics.imageRejected(reason: "client_gone")
            hooks.dropped?(job.ticket, "client_gone")
            job.abandon(.badRequest("the client closed the connection", kind: "client-gone"))
        }
        watch = DisconnectWatch { [weak queue] id in
            if let job = queue?.remove(id: id) { dropClientGone(job) }
        }
        let release = MemoryRelease(networks: catalog.models.map(\.network), delay: configuration.memoryReleaseDelay,
                                    released: { report in
                                        metrics.memoryReleased(report)
                                        hooks.memoryReleased?(report)
                                    })
        pool = WorkerPool(count: configuration.workers, queue: queue, busy: { metrics.workersBusyChanged(by: $0) }) { job in
            release.jobStarted()
            hooks.willRun?(job.ticket)
            if let connection = job.connection, connection.isClosed {
                dropClientGone(job)
            } else {
                job.run()
            }
            release.jobEnded()
        }
        self.queue = queue
        self.hooks = hooks
        self.metrics = metrics
        requestTimeout = timeout
        computeSeconds = configuration.computeLimit.seconds
        retryAfterSeconds = configuration.retryAfterSeconds
    }

    var depth: Int { queue.depth }
    var capacity: Int { queue.capacity }

    /// Queues `work` and returns what it returns once a worker has run it. `kind` names the job to the
    /// hooks; without a `connection` (internal work such as warm-up) the job has no deadline and no
    /// client to lose. `work` gets the limit to pass to the engine (its client, the compute deadline from
    /// when it starts) and a stopwatch that has already lapped `queue`.
    func run<Value: Sendable>(
        _ kind: String, requestID: String, connection: ConnectionState?,
        work: @escaping @Sendable (ComputeLimit, inout Stopwatch) throws(ProblemDetails) -> Value
    ) async throws(ProblemDetails) -> Value {
        let id = ids.next()
        let ticket = JobHooks.Ticket(id: id, requestID: requestID, kind: kind)
        let queuedAt = Stopwatch.now()
        let deadline = connection == nil ? UInt64.max : queuedAt &+ UInt64(requestTimeout.wholeNanoseconds)
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, ProblemDetails>, Never>) in
            let job = PendingJob(
                id: id, deadline: deadline, ticket: ticket, connection: connection,
                run: { [watch] in
                    if let connection { watch.forget(connection, job: id) }
                    var stopwatch = Stopwatch(startingAt: queuedAt)
                    stopwatch.lap("queue")
                    let limit = self.limit(for: ticket, connection: connection)
                    do throws(ProblemDetails) {
                        continuation.resume(returning: .success(try work(limit, &stopwatch)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                },
                abandon: { [watch] problem in
                    if let connection { watch.forget(connection, job: id) }
                    continuation.resume(returning: .failure(problem))
                })
            switch queue.submit(job) {
            case .full:
                continuation.resume(returning: .failure(.queueFull(capacity: queue.capacity, retryAfter: retryAfterSeconds)))
            case .closed:
                continuation.resume(returning: .failure(.draining()))
            case .accepted:
                if let connection { watch.watch(connection, job: id) }
                hooks.queued?(ticket)
            }
        }
        return try result.get()
    }

    /// The compute limit of a job starting now: its client's connection and the compute deadline, none for
    /// internal work. The first checkpoint that stops the job counts it.
    private func limit(for ticket: JobHooks.Ticket, connection: ConnectionState?) -> ComputeLimit {
        guard let connection else { return .none }
        let clientGone: @Sendable () -> Bool = { connection.isClosed }
        let (hooks, metrics) = (hooks, metrics)
        return ComputeLimit(
            seconds: computeSeconds, from: Stopwatch.now(), clientGone: clientGone,
            observe: { next, count in
                hooks.checkpoint?(ticket, JobHooks.Checkpoint(nextTile: next, tileCount: count,
                                                              onClientGone: { connection.onClose($0) }))
            },
            stopped: { reason, completed, count in
                metrics.jobCancelled(reason: reason.label)
                hooks.cancelled?(ticket, reason.label, completed, count)
            })
    }

    /// Refuses new work; the workers finish what is queued and exit. False if they are still busy
    /// after `timeout`.
    func close(timeout: Duration) -> Bool {
        queue.close()
        return pool.join(timeout: timeout)
    }
}

/// A job as the queue holds it: exactly one of `run` (by a worker) and `abandon` (deadline, client
/// gone) is called, and either answers the route awaiting it.
struct PendingJob: QueuedJob {
    let id: UInt64
    let deadline: UInt64
    let ticket: JobHooks.Ticket
    let connection: ConnectionState?
    let run: @Sendable () -> Void
    let abandon: @Sendable (ProblemDetails) -> Void
}

/// Job ids, unique for the life of the process.
private final class JobIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var last: UInt64 = 0

    func next() -> UInt64 {
        lock.withLock {
            last += 1
            return last
        }
    }
}
