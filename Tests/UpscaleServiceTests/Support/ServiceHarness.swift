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
    /// Running jobs between tiles: the ticket, the next tile and the tile count.
    let checkpoints = Recorder<(JobHooks.Ticket, Int, Int)>()
    /// Running jobs stopped: the ticket, the reason, the tiles completed and the tile count.
    let cancelled = Recorder<(JobHooks.Ticket, String, Int, Int)>()
    let released = Recorder<MemoryRelease.Report>()
    /// When set, upscale/analyze/masks jobs wait here before running (warm-up too if `gateWarmUp`).
    let gate: Gate?

    /// `checkpoint` runs (on the worker) at each of a running job's checkpoints, after it is recorded.
    init(gate: Gate? = nil, gateWarmUp: Bool = false, waitForReady: Bool = true, models: [LoadedModel] = [SharedData.officialModel],
         configure: (inout ServiceConfiguration) -> Void = { _ in },
         checkpoint: (@Sendable (JobHooks.Ticket, JobHooks.Checkpoint) -> Void)? = nil) throws {
        var configuration = ServiceConfiguration()
        configuration.port = 0
        configuration.workers = 1
        configuration.queueCapacity = 8
        configuration.drainTimeout = .seconds(20)
        configure(&configuration)
        let (queued, started, dropped) = (queued, started, dropped)
        let (checkpoints, cancelled, released) = (checkpoints, cancelled, released)
        self.gate = gate
        let hooks = JobHooks(
            queued: { queued.append($0) },
            willRun: { ticket in
                started.append(ticket)
                if ticket.kind != "warm-up" || gateWarmUp { gate?.pass() }
            },
            dropped: { dropped.append(($0, $1)) },
            checkpoint: { ticket, point in
                checkpoints.append((ticket, point.nextTile, point.tileCount))
                checkpoint?(ticket, point)
            },
            cancelled: { cancelled.append(($0, $1, $2, $3)) },
            memoryReleased: { released.append($0) })
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

extension ServiceHarness {
    /// Starts curl posting `file` as a PNG to `/v1/upscale` with `id` as its request ID; the caller waits.
    func upload(id: String, file: String) throws -> Curl.Running {
        try Curl.start(["-H", "Content-Type: image/png", "-H", "X-Request-ID: \(id)", "--data-binary", "@\(file)",
                        url("/v1/upscale")])
    }
}
