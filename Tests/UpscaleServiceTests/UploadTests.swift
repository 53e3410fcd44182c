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

    @Test func analyzeAnswersWithTheReportAndMasksWithAPicture() async throws {
        let harness = try ServiceHarness()
        let file = try TestImages.file(size: 16)
        let analysis = try Curl.run(["-F", "image=@\(file)", "-H", "X-Request-ID: analysis-1", harness.url("/v1/analyze")])
        #expect(analysis.status == 200 && analysis.headers["content-type"] == "application/json")
        #expect(analysis.headers["x-request-id"] == "analysis-1")
        let json = try analysis.json()
        #expect(Set(json.keys) == ["input", "output", "scale", "format", "flops_dense", "flops_executed", "flops_saved",
                                   "blocks", "timings_ms"])
        #expect(json["scale"] as? Int == 2 && json["format"] as? String == "png")
        #expect((json["input"] as? [String: Int]) == ["width": 16, "height": 16])
        #expect((json["output"] as? [String: Int]) == ["width": 32, "height": 32])
        let dense = try #require(json["flops_dense"] as? Int)
        let executed = try #require(json["flops_executed"] as? Int)
        let saved = try #require(json["flops_saved"] as? Double)
        #expect(executed < dense && abs(saved - (1 - Double(executed) / Double(dense))) < 0.00006)
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        #expect(blocks.count == SharedData.officialModel.network.channelSplits.count)
        #expect(blocks.enumerated().allSatisfy { $0.element["index"] as? Int == $0.offset })
        #expect(blocks.allSatisfy { (0...1).contains($0["mask_density"] as? Double ?? -1) })
        let timings = try #require(json["timings_ms"] as? [String: Double])
        for stage in ["queue", "decode", "infer", "total", "infer.smb"] { #expect(timings[stage] != nil, "\(stage)") }
        #expect(timings["encode"] == nil, "analyze encodes nothing")
        // The headers tell the same.
        #expect(analysis.headers["smsr-flops-dense"] == String(dense) && analysis.headers["smsr-flops-executed"] == String(executed))
        #expect(analysis.headers["smsr-input-size"] == "16x16" && analysis.headers["smsr-output-size"] == "32x32")

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

    @Test func webpRoundTripKeepsAlpha() async throws {
        let harness = try ServiceHarness()
        // A crop with an alpha ramp: what comes back must carry the network's colour and the bicubic alpha.
        let rgb = try TestImages.crop(size: 16)
        let rgba = rgb.attachingAlpha((0..<256).map { Float(($0 % 16) * 16) })
        let png = try TestImages.write(try ImageCodec.encode(rgba, as: .png), ext: "png")
        let expected = SharedData.flow(SharedData.officialModel).upscale(rgba).image

        let asked = try Curl.run(["-H", "Content-Type: image/png", "-H", "Accept: image/webp", "--data-binary", "@\(png)",
                                  harness.url("/v1/upscale")])
        #expect(asked.status == 200 && asked.headers["content-type"] == "image/webp", "\(asked.text)")
        #expect(asked.headers["vary"] == "Accept")
        let lossy = try ImageCodec.decode(asked.body)
        #expect(lossy.header.format == .webp && lossy.image.layout == .rgba && lossy.image.width == 32)
        #expect(lossy.image.alphaPlane() == expected.alphaPlane(), "alpha is kept exactly in lossy WebP")

        let exact = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(png)",
                                  harness.url("/v1/upscale?format=webp&lossless=true")])
        #expect(exact.status == 200 && exact.headers["content-type"] == "image/webp")
        #expect(try ImageCodec.decode(exact.body).image == expected, "lossless WebP holds exactly the upscaled pixels")
        #expect(exact.headers["vary"] == nil, "an explicit format does not depend on Accept")

        // A WebP upload comes back as WebP, under any of the types a client may send it as.
        let webp = try TestImages.write(try ImageCodec.encode(rgba, as: .webp, lossless: true), ext: "webp")
        for type in ["image/webp", "application/octet-stream", ""] {
            // `Content-Type:` with nothing after it makes curl send no Content-Type at all.
            let reply = try Curl.run(["-H", "Content-Type:\(type.isEmpty ? "" : " \(type)")", "--data-binary", "@\(webp)",
                                      harness.url("/v1/upscale")])
            #expect(reply.status == 200 && reply.headers["content-type"] == "image/webp", "\(type): \(reply.text)")
            #expect(try ImageCodec.decode(reply.body).image.alphaPlane() == expected.alphaPlane(), "\(type)")
        }
        await harness.stop()
    }

    @Test func octetStreamAndUntypedUploadsAreSniffed() async throws {
        let harness = try ServiceHarness()
        let jpeg = try TestImages.file(size: 16, format: .jpeg)
        let typed = try Curl.run(["-H", "Content-Type: application/octet-stream", "--data-binary", "@\(jpeg)",
                                  harness.url("/v1/upscale")])
        #expect(typed.status == 200 && typed.headers["content-type"] == "image/jpeg", "\(typed.text)")
        let untyped = try Curl.run(["-H", "Content-Type:", "--data-binary", "@\(jpeg)", harness.url("/v1/analyze")])
        #expect(untyped.status == 200, "\(untyped.text)")
        #expect(!untyped.verbose.contains("> Content-Type"), "curl sent no Content-Type")
        let text = try TestImages.write(Array("not an image\n".utf8), ext: "bin")
        for type in ["application/octet-stream", ""] {
            let refused = try Curl.run(["-H", "Content-Type:\(type.isEmpty ? "" : " \(type)")", "--data-binary", "@\(text)",
                                        harness.url("/v1/upscale")])
            #expect(refused.status == 415 && refused.text.contains("not a PNG, JPEG or WebP image"), "\(type): \(refused.text)")
        }
        await harness.stop()
    }
}
