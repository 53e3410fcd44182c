import Foundation
import Imaging
import Testing
import TestSupport
@testable import UpscaleService

/// `/readyz` from start to shutdown, and the separate metrics listener.
@Suite struct LifecycleTests {
    @Test func readyzIs503UntilTheWarmUpInferenceHasRun() async throws {
        let warmUp = Gate()
        let harness = try ServiceHarness(gate: warmUp, gateWarmUp: true, waitForReady: false)
        #expect(harness.started.wait { $0.kind == "warm-up" }, "warm-up has started")
        let starting = try Curl.run([harness.url("/readyz")])
        #expect(starting.status == 503 && starting.text.contains("not-ready"))
        #expect(try Curl.run([harness.url("/healthz")]).status == 200, "alive while not ready")
        let early = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(try TestImages.file())",
                                  harness.url("/v1/upscale")])
        #expect(early.status == 503 && early.headers["retry-after"] != nil && early.text.contains("not-ready"))
        warmUp.open()
        #expect(harness.service.waitUntilReady(timeout: .seconds(60)))
        let ready = try Curl.run([harness.url("/readyz")])
        #expect(ready.status == 200)
        #expect(try ready.json()["status"] as? String == "ready")
        await harness.stop()
    }

    @Test func readyzIs503WhileDrainingAndInFlightRequestsFinish() async throws {
        let gate = Gate()
        let harness = try ServiceHarness(gate: gate) { $0.metricsPort = 0 }
        let inFlight = try Curl.start(["-H", "Content-Type: image/png", "-H", "X-Request-ID: in-flight",
                                       "--data-binary", "@\(try TestImages.file())", harness.url("/v1/upscale")])
        #expect(harness.started.wait { $0.requestID == "in-flight" })
        let stopped = Recorder<Bool>()
        harness.service.shutdown(drainTimeout: .seconds(30)) { stopped.append(true) }
        // The metrics listener stays up through the drain, so probes there see the change.
        let draining = try Curl.run([harness.metricsBase + "/readyz"])
        #expect(draining.status == 503 && draining.text.contains("draining"))
        #expect(try Curl.run([harness.url("/healthz")]).exitCode != 0, "the API listener no longer accepts")
        #expect(stopped.all.isEmpty, "shutdown waits for the request in flight")
        gate.open()
        let reply = inFlight.finish()
        #expect(reply.status == 200 && reply.headers["connection"] == "close")
        #expect(stopped.wait { $0 }, "shutdown completes once the request is done")
    }

    @Test func metricsCanMoveToTheirOwnListener() async throws {
        let keys = try TestImages.write(Array("k-1\n".utf8), ext: "txt")
        let harness = try ServiceHarness {
            $0.metricsPort = 0
            $0.apiKeys = try? APIKeys(contentsOfFile: keys)
        }
        #expect(harness.service.metricsPort != nil && harness.service.metricsPort != harness.service.port)
        let moved = try Curl.run(["-H", "Authorization: Bearer k-1", harness.url("/metrics")])
        #expect(moved.status == 404, "not on the API port any more")
        let metrics = try Curl.run([harness.metricsBase + "/metrics"])
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.text.contains("smsr_queue_capacity 8"))
        #expect(try Curl.run([harness.metricsBase + "/healthz"]).status == 200)
        #expect(try Curl.run([harness.metricsBase + "/v1/models"]).status == 404, "the API stays on its own port")
        await harness.stop()
    }
}
