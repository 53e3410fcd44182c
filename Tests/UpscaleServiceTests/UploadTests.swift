import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// Uploading images the ways clients do, and what comes back.
@Suite struct UploadTests {
    /// Headers every successful image answer carries.
    func expectReportHeaders(_ reply: Curl.Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        let dense = Int(reply.headers["smsr-flops-dense"] ?? "")
        let executed = Int(reply.headers["smsr-flops-executed"] ?? "")
        #expect(dense != nil && executed != nil, "FLOPs headers are integers", sourceLocation: sourceLocation)
        if let dense, let executed {
            #expect(executed < dense, sourceLocation: sourceLocation)
            let saved = reply.headers["smsr-flops-saved"]
            #expect(saved?.range(of: #"^0\.\d{4}$"#, options: .regularExpression) != nil, "4 decimals: \(saved ?? "")",
                    sourceLocation: sourceLocation)
            #expect(abs((Double(saved ?? "") ?? -1) - (1 - Double(executed) / Double(dense))) < 0.00006,
                    sourceLocation: sourceLocation)
        }
        let timing = reply.headers["server-timing"] ?? ""
        for stage in ["queue", "decode", "infer", "encode", "total"] {
            #expect(timing.range(of: #"(^|, )\#(stage);dur=\d+\.\d+"#, options: .regularExpression) != nil,
                    "Server-Timing has \(stage): \(timing)", sourceLocation: sourceLocation)
        }
    }

    @Test func rawPNGAndJPEGComeBackUpscaledInTheirOwnFormat() async throws {
        let harness = try ServiceHarness()
        for format in ImageFormat.allCases {
            let file = try TestImages.file(size: 16, format: format)
            let reply = try Curl.run(["-H", "Content-Type: \(format.mimeType)", "--data-binary", "@\(file)",
                                      harness.url("/v1/upscale")])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers["content-type"] == format.mimeType)
            let decoded = try ImageCodec.decode(reply.body)
            #expect(decoded.header.format == format && decoded.image.width == 32 && decoded.image.height == 32)
            expectReportHeaders(reply)
            #expect(RequestID.isAcceptable(reply.headers["x-request-id"] ?? ""), "a generated request id")
        }
        await harness.stop()
    }

    @Test func multipartFormUploadsWorkLikeAnHTMLForm() async throws {
        let harness = try ServiceHarness()
        for format in ImageFormat.allCases {
            let file = try TestImages.file(size: 16, format: format)
            // curl -F builds the same multipart/form-data body a browser form does.
            let reply = try Curl.run(["-F", "note=hello", "-F", "image=@\(file)", "-H", "X-Request-ID: form-\(format)",
                                      harness.url("/v1/upscale")])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(ImageCodec.sniff(reply.body) == format)
            #expect(reply.headers["x-request-id"] == "form-\(format)", "the client's request id is echoed")
            expectReportHeaders(reply)
        }
        let missing = try Curl.run(["-F", "picture=@\(try TestImages.file())", harness.url("/v1/upscale")])
        #expect(missing.status == 400 && missing.text.contains("no field named image"), "\(missing.text)")
        await harness.stop()
    }

    @Test func formatQualityAndAcceptChooseTheOutput() async throws {
        let harness = try ServiceHarness()
        let png = try TestImages.file(size: 16, format: .png)
        func upscale(_ query: String, accept: String? = nil) throws -> Curl.Reply {
            try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(png)"]
                + (accept.map { ["-H", "Accept: \($0)"] } ?? []) + [harness.url("/v1/upscale\(query)")])
        }
        #expect(ImageCodec.sniff(try upscale("?format=jpeg&quality=40").body) == .jpeg)
        let low = try upscale("?format=jpeg&quality=5").body.count
        let high = try upscale("?format=jpeg&quality=100").body.count
        #expect(low < high, "quality reaches the encoder (\(low) vs \(high) bytes)")
        #expect(ImageCodec.sniff(try upscale("", accept: "image/jpeg").body) == .jpeg)
        #expect(ImageCodec.sniff(try upscale("", accept: "image/jpeg;q=0.5, image/png").body) == .png)
        #expect(ImageCodec.sniff(try upscale("", accept: "text/html, */*;q=0.8").body) == .png, "a wildcard keeps the input's")
        let refused = try upscale("", accept: "application/json")
        #expect(refused.status == 406 && refused.headers["content-type"] == "application/problem+json")
        let badScale = try upscale("?scale=3")
        #expect(badScale.status == 400 && badScale.text.contains("scale 3"), "\(badScale.text)")
        #expect(try upscale("?quality=0").status == 400)
        #expect(try upscale("?format=gif").status == 400)
        await harness.stop()
    }

    @Test func analyzeAnswersWithJSONAndMasksWithAPicture() async throws {
        let harness = try ServiceHarness()
        let file = try TestImages.file(size: 16)
        let analysis = try Curl.run(["-F", "image=@\(file)", "-H", "X-Request-ID: analysis-1", harness.url("/v1/analyze")])
        #expect(analysis.status == 200 && analysis.headers["content-type"] == "application/json")
        let json = try analysis.json()
        #expect(json["request_id"] as? String == "analysis-1")
        #expect(json["scale"] as? Int == 2)
        #expect((json["input"] as? [String: Int]) == ["width": 16, "height": 16])
        #expect((json["output"] as? [String: Int]) == ["width": 32, "height": 32])
        let dense = try #require(json["flops_dense"] as? Int)
        let executed = try #require(json["flops_executed"] as? Int)
        let saved = try #require(json["flops_saved"] as? Double)
        #expect(executed < dense && abs(saved - (1 - Double(executed) / Double(dense))) < 0.00006)
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        #expect(blocks.count == SharedData.officialModel.network.channelSplits.count)
        #expect(blocks.allSatisfy { (0...1).contains($0["mask_density"] as? Double ?? -1) })
        let timings = try #require(json["timings_ms"] as? [String: Double])
        for stage in ["queue", "decode", "infer", "total", "infer.smb"] { #expect(timings[stage] != nil, "\(stage)") }

        // The same image through the masks route: a PNG, one panel per block plus the summary.
        let masks = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/masks")])
        #expect(masks.status == 200 && masks.headers["content-type"] == "image/png")
        let picture = try ImageCodec.decode(masks.body).image
        let layout = MaskPicture(input: try TestImages.crop(size: 16), masks: [])
        #expect(picture.width == 3 * 16 * layout.magnification + 4 * MaskPicture.gap)
        #expect(picture.height == 2 * 16 * layout.magnification + 3 * MaskPicture.gap)
        #expect(masks.headers["smsr-flops-dense"] == String(dense), "the same work as the analysis")
        await harness.stop()
    }
}
