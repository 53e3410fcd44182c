import Foundation
import Logging
import Testing
import TestSupport
@testable import UpscaleService

/// A real service on 127.0.0.1 with a free port, the official x2 model (or the models given), and hooks the
/// test controls.
final class ServiceHarness: @unchecked Sendable {
    let service: UpscaleService
    let queued = Recorder<JobHooks.Ticket>()
    let started = Recorder<JobHooks.Ticket>()
    let dropped = Recorder<(JobHooks.Ticket, String)>()
    /// When set, upscale/analyze/masks jobs wait here before running (warm-up too if `gateWarmUp`).
    let gate: Gate?

    init(gate: Gate? = nil, gateWarmUp: Bool = false, waitForReady: Bool = true, models: [LoadedModel] = [SharedData.officialModel],
         configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        var configuration = ServiceConfiguration()
        configuration.port = 0
        configuration.workers = 1
        configuration.queueCapacity = 8
        configuration.drainTimeout = .seconds(20)
        configure(&configuration)
        let (queued, started, dropped) = (queued, started, dropped)
        self.gate = gate
        let hooks = JobHooks(
            queued: { queued.append($0) },
            willRun: { ticket in
                started.append(ticket)
                if ticket.kind != "warm-up" || gateWarmUp { gate?.pass() }
            },
            dropped: { dropped.append(($0, $1)) })
        var logger = Logger(label: "smsr.test")
        logger.logLevel = .warning
        service = UpscaleService(configuration: configuration, catalog: try ModelCatalog(models: models),
                                 logger: logger, hooks: hooks)
        try service.start()
        if waitForReady {
            #expect(service.waitUntilReady(timeout: .seconds(60)), "the service did not warm up")
        }
    }

    var base: String { "http://127.0.0.1:\(service.port ?? 0)" }
    var metricsBase: String { "http://127.0.0.1:\(service.metricsPort ?? 0)" }

    func url(_ path: String) -> String { base + path }

    func stop() async {
        gate?.open()
        await service.shutdown(drainTimeout: .seconds(5))
    }
}
