import Foundation
import Imaging
import Testing
import TestSupport
@testable import UpscaleService

/// Running jobs stop between tiles when their client goes or their compute deadline passes, and the worker
/// takes the next job. 48-pixel tiles cut a 96x96 image into 4.
@Suite struct CancellationTests {
    @Test func aClientThatDisconnectsMidJobFreesTheWorker() async throws {
        let reached = Flag()
        // The quitter's job waits after its first tile until its connection has closed: the kill below is then
        // seen by the checkpoint that follows, however the threads are scheduled.
        let harness = try ServiceHarness(configure: { $0.engine.tileSize = 48 }, checkpoint: { ticket, point in
            guard ticket.requestID == "quitter", point.nextTile == 1 else { return }
            let gone = Flag()
            point.onClientGone { gone.set() }
            reached.set()
            _ = gone.wait(seconds: 60)
        })
        let file = try TestImages.file(size: 96)
        let quitter = try harness.upload(id: "quitter", file: file)
        #expect(reached.wait(seconds: 120), "the job finished its first tile")
        kill(quitter.process.processIdentifier, SIGKILL)  // curl dies; the kernel closes its socket
        _ = quitter.finish()
        #expect(harness.cancelled.wait { $0.0.requestID == "quitter" })
        let cancelled = try #require(harness.cancelled.all.first { $0.0.requestID == "quitter" })
        #expect(cancelled.1 == "client_gone" && cancelled.2 == 1 && cancelled.3 == 4, "stopped after 1 of 4 tiles: \(cancelled)")
        #expect(!harness.checkpoints.all.contains { $0.0.requestID == "quitter" && $0.1 > 1 }, "no tile after the stop")

        // The one worker is free: the next job runs, all its tiles.
        let next = try harness.upload(id: "next", file: file).finish()
        #expect(next.status == 200)
        #expect(harness.checkpoints.all.filter { $0.0.requestID == "next" }.map(\.1) == [0, 1, 2, 3])
        let metrics = try Curl.run([harness.url("/metrics")]).text
        #expect(metrics.contains(#"smsr_jobs_cancelled_total{reason="client_gone"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"smsr_jobs_cancelled_total{reason="deadline"} 0"#))
        await harness.stop()
    }

    @Test func aJobPastItsComputeDeadlineGets504() async throws {
        // A limit no job meets: the check before the first tile stops it.
        let harness = try ServiceHarness(configure: {
            $0.engine.tileSize = 48
            $0.maxComputeSeconds = 1e-6
        })
        let file = try TestImages.file(size: 96)
        let answer = try harness.upload(id: "slow", file: file).finish()
        #expect(answer.status == 504, "\(answer.text)")
        #expect(answer.headers["content-type"] == "application/problem+json")
        #expect(answer.text.contains("compute-timeout") && answer.text.contains("0 of 4 tiles"), "\(answer.text)")
        #expect(harness.cancelled.all.contains { $0.0.requestID == "slow" && $0.1 == "deadline" })
        let metrics = try Curl.run([harness.url("/metrics")]).text
        #expect(metrics.contains(#"smsr_jobs_cancelled_total{reason="deadline"} 1"#), "\(metrics)")
        await harness.stop()
    }

    @Test func theDefaultComputeLimitGrowsWithThePixelLimit() throws {
        var configuration = ServiceConfiguration()
        #expect(configuration.computeLimit == .seconds(420), "100 s a megapixel of 4194304 pixels, rounded up")
        configuration.maxPixels = 100_000
        #expect(configuration.computeLimit == .seconds(30), "at least 30 s")
        configuration.maxComputeSeconds = 2.5
        #expect(configuration.computeLimit == .milliseconds(2500))
        let sources = ConfigurationSources(flags: [:], environment: ["SMSR_MAX_COMPUTE_SECONDS": "90s"])
        #expect(try sources.serviceConfiguration(cores: 2).computeLimit == .seconds(90))
        let bad = ConfigurationSources(flags: [.maxComputeSeconds: "never"], environment: [:])
        #expect(throws: ConfigurationSources.Failure.self) { try bad.serviceConfiguration(cores: 2) }
    }
}
