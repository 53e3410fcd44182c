import Foundation
import Imaging
import Testing
import TestSupport
@testable import UpscaleService

/// The bounded queue under pressure. A gate in the worker's `willRun` hook holds the one worker for
/// exactly as long as each test needs, so queue states are reached without timing guesses.
@Suite struct QueueTests {
    @Test func aFullQueueAnswers503WhileOtherRequestsStillSucceed() async throws {
        let gate = Gate()
        let harness = try ServiceHarness(gate: gate) {
            $0.workers = 1
            $0.queueCapacity = 1
        }
        let file = try TestImages.file(size: 16)
        let first = try harness.upload(id: "first", file: file)
        #expect(harness.started.wait { $0.requestID == "first" }, "the worker holds the first job")
        let second = try harness.upload(id: "second", file: file)
        #expect(harness.queued.wait { $0.requestID == "second" }, "the second job fills the queue")

        let refused = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/upscale")])
        #expect(refused.status == 503 && refused.headers["retry-after"] == "1")
        #expect(refused.headers["content-type"] == "application/problem+json" && refused.text.contains("queue-full"))
        // The rest of the service answers meanwhile.
        #expect(try Curl.run([harness.url("/healthz")]).status == 200)
        #expect(try Curl.run([harness.url("/v1/models")]).status == 200)

        gate.open()
        #expect(first.finish().status == 200)
        #expect(second.finish().status == 200)
        #expect(try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/upscale")]).status == 200,
                "room again once the queue drains")
        await harness.stop()
    }

    @Test func aJobStillQueuedAtTheRequestTimeoutGets504() async throws {
        let gate = Gate()
        let harness = try ServiceHarness(gate: gate) {
            $0.workers = 1
            $0.requestTimeout = .milliseconds(300)
        }
        let file = try TestImages.file(size: 16)
        let held = try harness.upload(id: "held", file: file)
        #expect(harness.started.wait { $0.requestID == "held" })
        // The worker stays busy until this request has its answer: only the deadline can end it.
        let waiting = try harness.upload(id: "waiting", file: file).finish()
        #expect(waiting.status == 504, "\(waiting.text)")
        #expect(waiting.text.contains("queue-timeout") && waiting.headers["x-request-id"] == "waiting")
        #expect(harness.dropped.all.contains { $0.0.requestID == "waiting" && $0.1 == "queue_timeout" })
        gate.open()
        #expect(held.finish().status == 200, "a running job is not subject to the queue deadline")
        await harness.stop()
    }

    @Test func aClientThatDisconnectsHasItsQueuedJobDropped() async throws {
        let gate = Gate()
        let harness = try ServiceHarness(gate: gate) { $0.workers = 1 }
        let file = try TestImages.file(size: 16)
        let held = try harness.upload(id: "held", file: file)
        #expect(harness.started.wait { $0.requestID == "held" })
        let quitter = try harness.upload(id: "quitter", file: file)
        #expect(harness.queued.wait { $0.requestID == "quitter" })
        // SIGKILL: a child spawned from a Dispatch thread inherits that thread's blocked SIGTERM.
        kill(quitter.process.processIdentifier, SIGKILL)  // curl dies; the kernel closes its socket
        _ = quitter.finish()
        #expect(harness.dropped.wait { $0.0.requestID == "quitter" && $0.1 == "client_gone" })

        gate.open()
        #expect(held.finish().status == 200)
        // FIFO: had the dropped job stayed queued, it would run before this one.
        #expect(try harness.upload(id: "after", file: file).finish().status == 200)
        #expect(!harness.started.all.contains { $0.requestID == "quitter" }, "the dropped job never ran")
        let metrics = try Curl.run([harness.url("/metrics")]).text
        #expect(metrics.contains(#"smsr_images_rejected_total{reason="client_gone"} 1"#))
        await harness.stop()
    }
}
