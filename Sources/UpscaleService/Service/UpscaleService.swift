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
    private let catalog: ModelCatalog
    private let readiness: Readiness
    private let jobs: JobRunner
    private let server: Server
    private let metricsServer: Server?
    let logger: Logger

    public init(configuration: ServiceConfiguration, catalog: ModelCatalog, logger: Logger, hooks: JobHooks = JobHooks()) {
        self.configuration = configuration
        self.catalog = catalog
        self.logger = logger
        let metrics = ServiceMetrics(queueCapacity: configuration.queueCapacity)
        let readiness = Readiness()
        self.readiness = readiness
        jobs = JobRunner(configuration: configuration, metrics: metrics, hooks: hooks, catalog: catalog)
        let router = Router(
            routes: Routes(catalog: catalog, configuration: configuration, metrics: metrics, readiness: readiness, jobs: jobs,
                           inference: configuration.inferenceOptions),
            logger: logger)

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
        http.http2.enabled = configuration.http2
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
                    metrics.requestCompleted(method: method, route: route, status: summary.status,
                                             protocol: summary.httpProtocol.rawValue, duration: summary.duration)
                    // The HTTP layer refuses oversized bodies itself, before any handler sees them.
                    if summary.status == 413, Route(rawValue: route)?.takesImage == true {
                        metrics.imageRejected(reason: "body_too_large")
                    }
                },
                http2StreamsChanged: { metrics.http2StreamsChanged(by: $0) },
                http2GoawaySent: { metrics.http2GoawaySent(reason: $0) })
        }
        server = Server(configuration: http, events: events(apiTable), logger: httpLogger,
                        admission: router.admission(apiTable, authorizes: true), handler: router.handler(apiTable))
        if let metricsRoutes, let metricsPort = configuration.metricsPort {
            var admin = http
            admin.port = metricsPort
            metricsServer = Server(configuration: admin, events: events(metricsRoutes), logger: httpLogger,
                                   admission: router.admission(metricsRoutes, authorizes: false),
                                   handler: router.handler(metricsRoutes))
        } else {
            metricsServer = nil
        }
    }

    /// Binds the listeners and starts warming up; `/readyz` answers 200 once every model has run a
    /// small image.
    public func start() throws(ServerError) {
        var settings = configuration.loggedSettings
        settings["models"] = "\(catalog.models.map { "x\($0.scale)=\($0.source)" }.joined(separator: ","))"
        settings["default_scale"] = "\(catalog.defaultScale)"
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
    public var isReady: Bool { readiness.state == .ready }

    /// Waits until warm-up has finished; false on timeout.
    public func waitUntilReady(timeout: Duration) -> Bool {
        readiness.wait(for: .ready, timeout: timeout) && readiness.state == .ready
    }

    /// Runs one small image through each model on the workers, one model after the other, then
    /// declares the service ready. A model that fails its warm-up keeps the service unready.
    private func warmUp() {
        let (catalog, jobs, readiness, logger) = (catalog, jobs, readiness, logger)
        let options = configuration.inferenceOptions
        RequestExecutor.run {
            for model in catalog.models {
                let flow = UpscaleFlow(model: model, options: options)
                do throws(ProblemDetails) {
                    let outcome = try await jobs.run("warm-up", requestID: "warm-up-x\(model.scale)", connection: nil) {
                        _, stopwatch throws(ProblemDetails) in
                        do throws(UpscaleFlow.Failure) {
                            return try flow.run(WarmUpSample.png, encoding: OutputEncoding(format: .png), stopwatch: &stopwatch)
                        } catch {
                            throw .forFlow(error)
                        }
                    }
                    let ms = outcome.laps.reduce(0) { $0 + $1.milliseconds }
                    logger.info("warmed up", metadata: ["scale": "\(model.scale)", "ms": "\(ms.formatted(decimals: 1))"])
                } catch {
                    logger.error("warm-up failed", metadata: ["scale": "\(model.scale)", "detail": "\(error.detail)"])
                    return
                }
            }
            readiness.advance(to: .ready)
            logger.info("ready")
        }
    }

    /// Graceful shutdown: `/readyz` turns 503, the API listener stops accepting and in-flight
    /// requests get until `drainTimeout` to finish; then the workers stop and the metrics listener
    /// closes. `completion` runs once all of that is done.
    public func shutdown(drainTimeout: Duration? = nil, completion: @escaping @Sendable () -> Void = {}) {
        readiness.advance(to: .draining)
        logger.info("draining", metadata: ["in_queue": "\(jobs.depth)"])
        server.shutdown(drainTimeout: drainTimeout ?? configuration.drainTimeout) { [jobs, metricsServer, logger] in
            if !jobs.close(timeout: .seconds(10)) {
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
