import Foundation
import Imaging
import SMSR
import Testing
import TestSupport
@testable import UpscaleService

/// The memory of finished jobs goes back once the workers are idle: the network's kept maps are freed and the
/// heap trimmed. A model of its own, so no other test's runs refill its storage meanwhile.
@Suite struct MemoryReleaseTests {
    @Test func keptMapsAreFreedAndTheHeapTrimmedWhenTheWorkersGoIdle() async throws {
        let model = try ModelLoading.load(path: SharedData.url("models/smsr_x2_official.safetensors").path, scale: 2)
        let harness = try ServiceHarness(models: [model], configure: { $0.memoryReleaseDelay = .zero })
        let file = try TestImages.file(size: 64)
        let answer = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/upscale")])
        #expect(answer.status == 200)
        // A 64x64 run keeps 64-channel maps of 1 MiB each; the 16x16 warm-up's are a sixteenth of that.
        #expect(harness.released.wait { $0.keptBytes >= 1 << 20 }, "\(harness.released.all)")
        #expect(model.network.keptStorageBytes == 0)
        #if canImport(Glibc)
        #expect(MemoryRelease.canTrimHeap, "glibc's malloc_trim is found")
        #endif
        let metrics = try Curl.run([harness.url("/metrics")]).text
        let releases = metrics.split(separator: "\n").first { $0.hasPrefix("smsr_memory_releases_total ") }
        #expect(releases.flatMap { Int($0.split(separator: " ").last ?? "") }.map { $0 >= 1 } == true, "\(metrics)")
        await harness.stop()
    }
}
