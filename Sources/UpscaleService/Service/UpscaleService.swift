import Dispatch
import Foundation
import HTTPServer
import Imaging
import Logging
import SMSR

/// The upscaling service: its listeners (the API, and `/metrics` on a port of its own if asked),
/// the job queue and worker pool behind them, readiness, and graceful shutdown.
///
/// ```swift
/// let service = try UpscaleService(configuration: configuration, catalog: ModelCatalog(models: [model]), logger: logger)
/// try service.start()            // listening; /readyz turns 200 once a warm-up inference has run
/// // ...
/// await service.shutdown()       // /readyz 503, stop accepting, finish in-flight requests
/// ```
public final class UpscaleService: Sendable {
    public let configuration: ServiceConfiguration
    private let endpoints: ServiceEndpoints
    private let server: Server
    private let metricsServer: Server?
    private let pool: WorkerPool<UpscaleJob>
    let logger: Logger

    public init(configuration: ServiceConfiguration, catalog: ModelCatalog, logger: Logger, hooks: JobHooks = JobHooks()) {
        self.configuration = configuration
        self.logger = logger
        let endpoints = ServiceEndpoints(configuration: configuration, catalog: catalog, logger: logger, hooks: hooks)
        self.endpoints = endpoints
        let metrics = endpoints.metrics

        var apiRoutes = Route.allCases
        var metricsRoutes: RouteTable?
        if configuration.metricsPort != nil {
            apiRoutes.removeAll { $0 == .metrics }
            metricsRoutes = RouteTable([.metrics, .healthz, .readyz])
        }
        let apiTable = RouteTable(apiRoutes)

        var http = ServerConfiguration(host: configuration.host, port: configuration.port)
        http.limits.maxBodyBytes = configuration.maxBodyBytes
        http.drainTimeout = configuration.drainTimeout
        let maxBody = configuration.maxBodyBytes
        http.rejectionResponse = { [logger] status, reason in
            let requestID = RequestID.generate()
            logger.info("request refused by the HTTP layer", metadata: [
                "request_id": "\(requestID)", "status": "\(status)", "reason": "\(reason)",
            ])
            return ProblemDetails.protocolRejection(status: status, reason: reason, maxBodyBytes: maxBody)
                .response(requestID: requestID)
        }
        var httpLogger = logger
        httpLogger[metadataKey: "component"] = "http"

        func events(_ table: RouteTable) -> ServerEvents {
            ServerEvents(
                connectionOpened: { _ in metrics.connectionsChanged(by: 1) },
                connectionClosed: { _ in metrics.connectionsChanged(by: -1) },
                requestCompleted: { summary in
                    let route = table.label(method: summary.method, path: summary.path)
                    let method = HTTPMethod(rawValue: summary.method)?.rawValue ?? "other"
                    metrics.requestCompleted(method: method, route: route, status: summary.status, duration: summary.duration)
                    // The HTTP layer refuses oversized bodies itself, before any handler sees them.
                    if summary.status == 413, Route(rawValue: route)?.takesImage == true {
                        metrics.imageRejected(reason: "body_too_large")
                    }
                })
        }
        server = Server(configuration: http, events: events(apiTable), logger: httpLogger,
                        admission: endpoints.admission(apiTable, authorizes: true), handler: endpoints.handler(apiTable))
        if let metricsRoutes, let metricsPort = configuration.metricsPort {
            var admin = http
            admin.port = metricsPort
            metricsServer = Server(configuration: admin, events: events(metricsRoutes), logger: httpLogger,
                                   admission: endpoints.admission(metricsRoutes, authorizes: false),
                                   handler: endpoints.handler(metricsRoutes))
        } else {
            metricsServer = nil
        }
        pool = WorkerPool(count: configuration.workers, queue: endpoints.queue,
                          busy: { metrics.workersBusyChanged(by: $0) }, run: { endpoints.run($0) })
    }

    /// Binds the listeners and starts warming up; `/readyz` answers 200 once every model has run a
    /// small image.
    public func start() throws(ServerError) {
        var settings = configuration.loggedSettings
        settings["models"] = "\(endpoints.catalog.models.map { "x\($0.scale)=\($0.source)" }.joined(separator: ","))"
        settings["default_scale"] = "\(endpoints.catalog.defaultScale)"
        logger.info("configuration", metadata: settings)
        let cores = CPUAllowance.cores
        if configuration.workers * configuration.threadsPerJob > cores {
            logger.warning("CPU budget overcommitted", metadata: [
                "workers": "\(configuration.workers)", "threads_per_job": "\(configuration.threadsPerJob)", "cores": "\(cores)",
            ])
        }
        let port = try server.start()
        let metricsPort = try metricsServer?.start()
        logger.info("listening", metadata: [
            "address": "\(configuration.host):\(port)",
            "metrics_address": "\(metricsPort.map { "\(configuration.host):\($0)" } ?? "same")",
        ])
        warmUp()
    }

    public var port: Int? { server.localPort }
    public var metricsPort: Int? { metricsServer?.localPort }
    public var isReady: Bool { endpoints.readiness.state == .ready }

    /// Waits until warm-up has finished; false on timeout.
    public func waitUntilReady(timeout: Duration) -> Bool {
        endpoints.readiness.wait(for: .ready, timeout: timeout) && endpoints.readiness.state == .ready
    }

    /// Runs one small image through each model on the workers, then declares the service ready.
    private func warmUp() {
        let models = endpoints.catalog.models
        let remaining = WarmUpCount(models.count)
        let sample = WarmUpSample.png
        for model in models {
            let start = DispatchTime.now().uptimeNanoseconds
            let job = UpscaleJob(
                id: 0, kind: .warmUp, requestID: "warm-up-x\(model.scale)", image: sample,
                parameters: UpscaleParameters(scale: model.scale), model: model,
                receivedAt: start, queuedAt: start, deadline: .max, connection: nil,
                finish: { [endpoints, logger] response, result in
                    guard response.status == 200, let result else {
                        logger.error("warm-up failed", metadata: ["scale": "\(model.scale)", "status": "\(response.status)"])
                        return
                    }
                    logger.info("warmed up", metadata: [
                        "scale": "\(model.scale)", "ms": "\(result.stages.map(\.ms).reduce(0, +).formatted(decimals: 1))",
                    ])
                    if remaining.finishOne() {
                        endpoints.readiness.advance(to: .ready)
                        logger.info("ready")
                    }
                })
            if case .accepted = endpoints.queue.submit(job) {
                endpoints.hooks.queued?(job.ticket)
            }
        }
    }

    /// Graceful shutdown: `/readyz` turns 503, the API listener stops accepting and in-flight
    /// requests get until `drainTimeout` to finish; then the workers stop and the metrics listener
    /// closes. `completion` runs once all of that is done.
    public func shutdown(drainTimeout: Duration? = nil, completion: @escaping @Sendable () -> Void = {}) {
        endpoints.readiness.advance(to: .draining)
        logger.info("draining", metadata: ["in_queue": "\(endpoints.queue.depth)"])
        server.shutdown(drainTimeout: drainTimeout ?? configuration.drainTimeout) { [endpoints, pool, metricsServer, logger] in
            endpoints.queue.close()
            if !pool.join(timeout: .seconds(10)) {
                logger.warning("workers still busy after the drain; leaving them")
            }
            guard let metricsServer else {
                logger.info("stopped")
                completion()
                return
            }
            metricsServer.shutdown(drainTimeout: .seconds(2)) {
                logger.info("stopped")
                completion()
            }
        }
    }

    public func shutdown(drainTimeout: Duration? = nil) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            shutdown(drainTimeout: drainTimeout) { continuation.resume() }
        }
    }
}

/// Counts warm-up jobs down to zero.
private final class WarmUpCount: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int

    init(_ count: Int) { left = count }

    /// True for the call that finishes the last one.
    func finishOne() -> Bool {
        lock.withLock {
            left -= 1
            return left == 0
        }
    }
}
