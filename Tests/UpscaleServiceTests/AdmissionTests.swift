import Foundation
import Imaging
import Testing
import TestSupport
@testable import UpscaleService

/// Jobs refused from the image header, before any inference: outputs the encoder could not write, tiles
/// that would multiply the work. Each refusal is a 422 problem naming the limit, and no job ever runs.
@Suite struct AdmissionTests {
    func post(_ harness: ServiceHarness, _ file: String, id: String, query: String = "", path: String = "/v1/upscale") throws -> Curl.Reply {
        try Curl.run(["-H", "Content-Type: image/png", "-H", "X-Request-ID: \(id)", "--data-binary", "@\(file)",
                      harness.url(path + query)])
    }

    @Test func theStoredPNGsTheseTestsUploadAreValid() throws {
        // 5 x 20,000: its pixel data spans two stored deflate blocks.
        let decoded = try ImageCodec.decode(StoredPNG.gray(width: 5, height: 20_000, value: 77))
        #expect(decoded.image.width == 5 && decoded.image.height == 20_000 && decoded.image.layout == .gray)
        #expect(decoded.image.pixels.allSatisfy { $0 == 77 })
    }

    /// The shapes that once ran for minutes and then failed in the encoder: at x2 each output has a side
    /// past what PNG (1,000,000) or JPEG (65,500) writes, so each is refused from its header.
    @Test func outputsTheEncoderCannotWriteAre422WithoutInference() async throws {
        let harness = try ServiceHarness()
        let cases: [(width: Int, height: Int, query: String, limit: String)] = [
            (1, 3_000_000, "", "PNG writes (1000000 pixels a side"),
            (1, 4_000_000, "", "PNG writes (1000000 pixels a side"),
            (3_000_000, 1, "", "PNG writes (1000000 pixels a side"),
            (40_000, 2, "?format=jpeg", "JPEG writes (65500 pixels a side"),
        ]
        for (index, shape) in cases.enumerated() {
            #expect(shape.width * shape.height <= harness.service.configuration.maxPixels, "under --max-pixels")
            let file = try TestImages.write(StoredPNG.gray(width: shape.width, height: shape.height), ext: "png")
            let answer = try post(harness, file, id: "shape-\(index)", query: shape.query)
            #expect(answer.status == 422, "\(shape): \(answer.text)")
            #expect(answer.headers["content-type"] == "application/problem+json")
            #expect(answer.text.contains("too-large-for-format") && answer.text.contains(shape.limit), "\(answer.text)")
            #expect(answer.text.contains("\(shape.width * 2)x\(shape.height * 2)"), "\(answer.text)")
        }
        // JPEG's refusal points at a format that can write it; PNG's at nothing but a smaller image.
        let jpeg = try post(harness, try TestImages.write(StoredPNG.gray(width: 40_000, height: 2), ext: "png"), id: "jpeg",
                            query: "?format=jpeg")
        #expect(jpeg.text.contains("ask for png instead"), "\(jpeg.text)")
        // The mask picture of a 1 x 3,000,000 image is taller than PNG writes too.
        let tall = try TestImages.write(StoredPNG.gray(width: 1, height: 3_000_000), ext: "png")
        let masks = try post(harness, tall, id: "masks", path: "/v1/masks")
        #expect(masks.status == 422 && masks.text.contains("mask picture"), "\(masks.text)")

        #expect(!harness.queued.all.contains { $0.kind != "warm-up" }, "no job was queued")
        #expect(!harness.started.all.contains { $0.kind != "warm-up" }, "no job ran")
        let metrics = try Curl.run([harness.url("/metrics")]).text
        #expect(metrics.contains(#"smsr_images_rejected_total{reason="too_large_for_format"} 6"#), "\(metrics)")
        await harness.stop()
    }

    /// Small fixed tiles on a larger image would run the network on many times its pixels (each 16-pixel core
    /// with 24 pixels of context a side): refused; the same image in large tiles is served.
    @Test func tilesThatWouldMultiplyTheWorkAre422() async throws {
        let small = try ServiceHarness(configure: { $0.engine.tileSize = 16 })
        let file = try TestImages.file(size: 64)
        let refused = try post(small, file, id: "small-tiles")
        #expect(refused.status == 422 && refused.text.contains("tiling-overhead"), "\(refused.text)")
        #expect(refused.text.contains("9.0 times its pixels"), "\(refused.text)")
        #expect(!small.started.all.contains { $0.kind != "warm-up" }, "no job ran")
        await small.stop()

        let large = try ServiceHarness(configure: { $0.engine.tileSize = 48 })
        let served = try post(large, file, id: "large-tiles")
        #expect(served.status == 200, "\(served.text)")
        #expect(large.checkpoints.all.contains { $0.0.requestID == "large-tiles" && $0.2 == 4 }, "ran in 4 tiles")
        await large.stop()
    }
}
