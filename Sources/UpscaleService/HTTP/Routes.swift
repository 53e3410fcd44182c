import Dispatch
import Foundation
import HTTPServer
import Imaging
import Logging
import SMSR

/// The service's request handling, shared by its listeners: admission before a body is read, then
/// one handler per route. Image routes become jobs for the worker pool; everything else is answered
/// on the spot.
final class ServiceEndpoints: Sendable {
    let configuration: ServiceConfiguration
    let catalog: ModelCatalog
    let metrics: ServiceMetrics
    let readiness = Readiness()
    let hooks: JobHooks
    let logger: Logger
    let execution: JobExecution
    /// Set once in `init`; optional only because the queue's callbacks need `self` to exist first.
    nonisolated(unsafe) private(set) var queue: JobQueue<UpscaleJob>!
    nonisolated(unsafe) private(set) var watch: DisconnectWatch!
    private let jobIDs = JobIDs()

    init(configuration: ServiceConfiguration, catalog: ModelCatalog, logger: Logger, hooks: JobHooks) {
        self.configuration = configuration
        self.catalog = catalog
        self.logger = logger
        self.hooks = hooks
        metrics = ServiceMetrics(queueCapacity: configuration.queueCapacity)
        execution = JobExecution(maxPixels: configuration.maxPixels,
                                 options: Self.inferenceOptions(threadsPerJob: configuration.threadsPerJob))
        queue = JobQueue(capacity: configuration.queueCapacity,
                         onExpired: { [weak self] job in self?.expired(job) },
                         onDepthChange: { [metrics] depth in metrics.queueDepthChanged(depth) })
        watch = DisconnectWatch { [weak self] id in self?.clientLeft(jobID: id) }
    }

    /// The one place the CPU budget reaches the engine: each job's kernels split across `threadsPerJob`
    /// threads, so workers x threads-per-job stays within the cores (no oversubscription).
    static func inferenceOptions(threadsPerJob: Int) -> InferenceOptions {
        InferenceOptions(threads: threadsPerJob)
    }

    // MARK: admission

    /// Refuses what can be refused from the head alone, so no body is read (and no `100 Continue`
    /// sent) for a request that would fail anyway.
    func admission(_ table: RouteTable, authorizes: Bool) -> Server.Admission {
        { [self] head in
            let route: Route
            switch table.match(method: head.method, path: head.path) {
            case .notFound: return refusal(.notFound(path: head.path), head: head, route: nil)
            case .methodNotAllowed(let allowed):
                return refusal(.methodNotAllowed(head.method, path: head.path, allowed: allowed), head: head, route: nil)
            case .route(let matched): route = matched
            }
            if authorizes, let keys = configuration.apiKeys, route.needsAuthorization {
                let authorization = head.headers["Authorization"]
                if !keys.authorizes(authorization) {
                    return refusal(.unauthorized(presented: authorization != nil), head: head, route: route)
                }
            }
            guard route.takesImage else { return nil }
            switch readiness.state {
            case .starting: return refusal(.notReady(retryAfter: configuration.retryAfterSeconds), head: head, route: route)
            case .draining: return refusal(.draining(), head: head, route: route)
            case .ready: break
            }
            if !ImageUpload.acceptsContentType(head.headers["Content-Type"]) {
                return refusal(.unsupportedMediaType(head.headers["Content-Type"]), head: head, route: route)
            }
            // A cheap early answer; `submit` makes the binding decision once the body is in.
            if queue.depth >= queue.capacity {
                return refusal(.queueFull(capacity: queue.capacity, retryAfter: configuration.retryAfterSeconds),
                               head: head, route: route)
            }
            return nil
        }
    }

    private func refusal(_ problem: ProblemDetails, head: RequestHead, route: Route?) -> Response {
        let requestID = RequestID.of(head)
        if let route, route.takesImage, let reason = problem.rejectionReason { metrics.imageRejected(reason: reason) }
        let response = problem.response(requestID: requestID)
        logRequest(requestID: requestID, method: head.method.rawValue, route: route?.template ?? Route.unmatchedLabel,
                   status: response.status, bytes: response.body.count, since: DispatchTime.now().uptimeNanoseconds,
                   extra: ["detail": "\(problem.detail)"])
        return response
    }

    // MARK: handling

    func handler(_ table: RouteTable) -> Server.Handler {
        { [self] request, respond in
            let receivedAt = DispatchTime.now().uptimeNanoseconds
            let requestID = RequestID.of(request.head)
            guard case .route(let route) = table.match(method: request.method, path: request.path) else {
                // Admission answers these; kept for completeness should a listener run without it.
                respond(ProblemDetails.notFound(path: request.path).response(requestID: requestID))
                return
            }
            let answer: @Sendable (Response, JobResult?) -> Void = { [self] response, result in
                var extra: Logger.Metadata = [:]
                if let result { extra["flops_saved"] = "\(result.work.savedFraction.formatted(decimals: 4))" }
                logRequest(requestID: requestID, method: request.method.rawValue, route: route.template,
                           status: response.status, bytes: response.body.count, since: receivedAt, extra: extra)
                respond(response)
            }
            switch route {
            case .healthz:
                answer(JSONBody.response(["status": "ok"], requestID: requestID), nil)
            case .readyz:
                answer(readinessResponse(requestID: requestID), nil)
            case .metrics:
                answer(Response(status: 200, headers: ["Content-Type": ServiceMetrics.contentType, "X-Request-ID": requestID],
                                body: metrics.exposition()), nil)
            case .models:
                answer(JSONBody.response(catalog.listing, requestID: requestID), nil)
            case .demoPage:
                answer(DemoPage.response(requestID: requestID), nil)
            case .upscale, .analyze, .masks:
                do throws(ProblemDetails) {
                    try enqueue(request, route: route, requestID: requestID, receivedAt: receivedAt, answer: answer)
                } catch {
                    if let reason = error.rejectionReason { metrics.imageRejected(reason: reason) }
                    answer(error.response(requestID: requestID), nil)
                }
            }
        }
    }

    private func readinessResponse(requestID: String) -> Response {
        switch readiness.state {
        case .ready:
            return JSONBody.response(["status": "ready", "scales": catalog.scales.map(String.init).joined(separator: ",")],
                                     requestID: requestID)
        case .starting:
            return ProblemDetails.notReady(retryAfter: configuration.retryAfterSeconds).response(requestID: requestID)
        case .draining:
            return ProblemDetails.draining().response(requestID: requestID)
        }
    }

    func logRequest(requestID: String, method: String, route: String, status: Int, bytes: Int, since start: UInt64,
                    extra: Logger.Metadata = [:]) {
        let ms = Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e6
        var metadata: Logger.Metadata = [
            "request_id": "\(requestID)", "method": "\(method)", "route": "\(route)", "status": "\(status)",
            "bytes": "\(bytes)", "ms": "\(ms.formatted(decimals: 1))",
        ]
        metadata.merge(extra) { $1 }
        logger.info("request", metadata: metadata)
    }

    // MARK: image jobs

    /// Validates an image request from its query and the image header alone, then queues it.
    private func enqueue(_ request: Request, route: Route, requestID: String, receivedAt: UInt64,
                         answer: @escaping @Sendable (Response, JobResult?) -> Void) throws(ProblemDetails) {
        let parameters = try UpscaleParameters(head: request.head, scales: catalog.scales, defaultScale: catalog.defaultScale,
                                               negotiatesFormat: route == .upscale)
        let upload = try ImageUpload(request: request)
        let header: ImageHeader
        do {
            header = try ImageCodec.readHeader(upload.bytes)
        } catch {
            throw JobExecution.problem(for: error)
        }
        guard header.pixelCount <= configuration.maxPixels else {
            throw .tooManyPixels(width: header.uprightWidth, height: header.uprightHeight, limit: configuration.maxPixels)
        }
        guard let model = catalog.model(scale: parameters.scale) else {
            throw .internalError("the model for scale \(parameters.scale) is missing")
        }
        let kind: UpscaleJob.Kind = switch route {
        case .analyze: .analyze
        case .masks: .masks
        default: .upscale
        }
        let now = DispatchTime.now().uptimeNanoseconds
        let connection = request.connection
        let id = jobIDs.next()
        let job = UpscaleJob(
            id: id, kind: kind, requestID: requestID, image: upload.bytes, parameters: parameters, model: model,
            receivedAt: receivedAt, queuedAt: now, deadline: now &+ UInt64(configuration.requestTimeout.wholeNanoseconds),
            connection: connection,
            finish: { [weak watch] response, result in
                watch?.forget(connection, job: id)
                answer(response, result)
            })
        try submit(job)
    }

    /// Queues a job and starts watching its client; full or closed queues refuse it.
    private func submit(_ job: UpscaleJob) throws(ProblemDetails) {
        switch queue.submit(job) {
        case .full:
            throw .queueFull(capacity: queue.capacity, retryAfter: configuration.retryAfterSeconds)
        case .closed:
            throw .draining()
        case .accepted:
            if let connection = job.connection { watch.watch(connection, job: job.id) }
            hooks.queued?(job.ticket)
        }
    }

    /// The job waited past its deadline.
    private func expired(_ job: UpscaleJob) {
        metrics.imageRejected(reason: "queue_timeout")
        hooks.dropped?(job.ticket, "queue_timeout")
        let problem = ProblemDetails.queueTimeout(seconds: configuration.requestTimeout.seconds)
        job.finish(problem.response(requestID: job.requestID), nil)
    }

    /// The client of a queued job closed its connection: the job never runs.
    private func clientLeft(jobID: UInt64) {
        guard let job = queue.remove(id: jobID) else { return }
        drop(job)
    }

    private func drop(_ job: UpscaleJob) {
        metrics.imageRejected(reason: "client_gone")
        hooks.dropped?(job.ticket, "client_gone")
        // Nobody will read it; the handler contract still wants one answer.
        job.finish(ProblemDetails.badRequest("the client closed the connection", kind: "client-gone")
            .response(requestID: job.requestID), nil)
    }

    /// Runs on a worker thread.
    func run(_ job: UpscaleJob) {
        hooks.willRun?(job.ticket)
        if let connection = job.connection, connection.isClosed {
            drop(job)
            return
        }
        let result: JobResult
        do throws(ProblemDetails) {
            result = try execution.run(job)
        } catch {
            if let reason = error.rejectionReason { metrics.imageRejected(reason: reason) }
            job.finish(error.response(requestID: job.requestID), nil)
            return
        }
        if job.kind != .warmUp {
            let inferMs = result.stages.first { $0.name == "infer" }?.ms ?? 0
            metrics.inferenceFinished(duration: .nanoseconds(Int64(inferMs * 1e6)), dense: result.work.dense,
                                      executed: result.work.executed)
        }
        job.finish(response(for: job, result: result), result)
    }

    private func response(for job: UpscaleJob, result: JobResult) -> Response {
        let totalMs = Double(DispatchTime.now().uptimeNanoseconds &- job.receivedAt) / 1e6
        if job.kind == .analyze || job.kind == .warmUp {
            return JSONBody.response(AnalysisDocument(requestID: job.requestID, result: result, totalMs: totalMs),
                                     requestID: job.requestID)
        }
        var headers: HTTPHeaders = [
            "Content-Type": result.format.mimeType,
            "SMSR-FLOPs-Dense": String(result.work.dense),
            "SMSR-FLOPs-Executed": String(result.work.executed),
            "SMSR-FLOPs-Saved": result.work.savedFraction.formatted(decimals: 4),
            "SMSR-Scale": String(result.scale),
            ServerTiming.header: ServerTiming.value(result.stages, totalMs: totalMs),
            RequestID.header: job.requestID,
        ]
        if job.kind == .upscale, job.parameters.format == nil { headers.add(name: "Vary", value: "Accept") }
        return Response(status: 200, headers: headers, body: result.body)
    }
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
