import Foundation
import Imaging
import Testing
import TestSupport

@Suite struct UpscaleCommandTests {
    let crop = CommandRunner.shared.appendingPathComponent("reference/crop_baby_64x64_lr.png").path

    @Test func writesTheOfficialOutputAndASummary() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let output = dir.appendingPathComponent("out.png")
        let result = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, crop, output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try ImageCodec.decode([UInt8](Data(contentsOf: CommandRunner.shared.appendingPathComponent("reference/crop_baby_64x64_sr.png"))))
        let produced = try ImageCodec.decode([UInt8](Data(contentsOf: output)))
        #expect(produced.header.format == .png)
        #expect(produced.image == expected.image, "the quantized output equals the official one")
        #expect(result.stdout.contains("64x64 -> 128x128"))
        #expect(result.stdout.contains("FLOPs dense 3978725888"))
        #expect(result.stdout.contains("saved"))
        for stage in ["decode", "infer", "encode", "total"] { #expect(result.stdout.contains(stage)) }
    }

    @Test func jsonSummaryAndRawOutput() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let output = dir.appendingPathComponent("out.jpg")
        let raw = dir.appendingPathComponent("out.f32")
        let result = try CommandRunner.run(["upscale", "--json", "--quality", "85", "--raw-output", raw.path,
                                            "--model", CommandRunner.officialModel, crop, output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "jpeg")
        #expect(object["flops_dense"] as? Int == 3_978_725_888)
        let executed = try #require(object["flops_executed"] as? Int)
        #expect(executed > 0 && executed < 3_978_725_888)
        #expect((object["timings_ms"] as? [String: Any])?["infer"] != nil)
        #expect((object["blocks"] as? [[String: Any]])?.count == 5)
        #expect(try Data(contentsOf: output).starts(with: [0xFF, 0xD8]))
        // The raw output is the float result, equal to the official one within 1e-3.
        let ours = try Data(contentsOf: raw).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let golden = try Data(contentsOf: CommandRunner.shared.appendingPathComponent("reference/crop_baby_64x64_sr.f32"))
            .withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(ours.count == golden.count)
        #expect((zip(ours, golden).map { abs($0 - $1) }.max() ?? 1) <= 1e-3)
    }

    /// Each failure names its file and the problem in words, and exits with its sysexits.h status, never the
    /// usage banner unless the command line itself is wrong.
    @Test func badInputsAreClearErrors() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let garbage = dir.appendingPathComponent("garbage.png")
        try Data("not an image at all".utf8).write(to: garbage)
        let out = dir.appendingPathComponent("o.png").path
        let corrupt = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, garbage.path, out])
        #expect(corrupt.status == 65 && corrupt.stderr.contains("\(garbage.path): the data is not a PNG, JPEG or WebP image"))
        #expect(!corrupt.stderr.contains("Usage:"), "a runtime error is no usage error: \(corrupt.stderr)")
        let missing = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, dir.appendingPathComponent("none.png").path, out])
        #expect(missing.status == 66 && missing.stderr.contains("cannot read \(dir.path)/none.png: No such file or directory"))
        let badModel = try CommandRunner.run(["upscale", "--model", garbage.path, crop, out])
        #expect(badModel.status == 65 && badModel.stderr.contains("cannot load model \(garbage.path)"))
        let noModel = try CommandRunner.run(["upscale", "--model", "/nonexistent/w.safetensors", crop, out])
        #expect(noModel.status == 66 && noModel.stderr.contains("/nonexistent/w.safetensors: No such file or directory"))
        let badQuality = try CommandRunner.run(["upscale", "--quality", "0", "--model", CommandRunner.officialModel, crop, "o.jpg"])
        #expect(badQuality.status == 64 && badQuality.stderr.contains("--quality"))
    }

    /// The service's refusal from the header, on the command line: an output the encoder cannot write is named
    /// with its limit before anything is decoded, and no file is written.
    @Test func anOutputTheEncoderCannotWriteIsRefusedFirst() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let tall = dir.appendingPathComponent("tall.png")
        try Data(StoredPNG.gray(width: 1, height: 3_000_000)).write(to: tall)
        let wide = dir.appendingPathComponent("wide.png")
        try Data(StoredPNG.gray(width: 40_000, height: 2)).write(to: wide)
        for (input, output, limit) in [(tall, "out.png", "PNG's 1000000 pixels a side"), (wide, "out.jpg", "JPEG's 65500 pixels a side")] {
            let target = dir.appendingPathComponent(output).path
            let result = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, input.path, target])
            #expect(result.status == 65, "EX_DATAERR: \(result.stderr)")
            #expect(result.stderr.contains("cannot write \(target) from \(input.path)") && result.stderr.contains(limit), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    @Test func anUnwritableOutputNamesTheFileNotAFoundationError() throws {
        let result = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, crop, "/nonexistent/x.png"])
        #expect(result.status == 73, "EX_CANTCREAT: \(result.stderr)")
        #expect(result.stderr.contains("cannot write /nonexistent/x.png: No such file or directory"), "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("Usage:"))
    }

    @Test func theOutputExtensionDecidesTheFormatAndUnknownOnesAreRefused() throws {
        let dir = try CommandRunner.temporaryDirectory()
        for (name, format) in [("out.webp", ImageFormat.webp), ("out.jpeg", .jpeg), ("OUT.PNG", .png)] {
            let output = dir.appendingPathComponent(name)
            let result = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, crop, output.path])
            #expect(result.status == 0, "\(result.stderr)")
            let decoded = try ImageCodec.decode([UInt8](Data(contentsOf: output)))
            #expect(decoded.header.format == format && decoded.image.width == 128, "\(name)")
        }
        let lossless = dir.appendingPathComponent("exact.webp")
        #expect(try CommandRunner.run(["upscale", "--lossless", "--model", CommandRunner.officialModel, crop, lossless.path]).status == 0)
        let expected = try ImageCodec.decode([UInt8](Data(contentsOf: CommandRunner.shared.appendingPathComponent("reference/crop_baby_64x64_sr.png"))))
        #expect(try ImageCodec.decode([UInt8](Data(contentsOf: lossless))).image == expected.image.converted(to: .rgb))
        for (arguments, message) in [([dir.appendingPathComponent("out.gif").path], "unknown extension"),
                                     ([dir.appendingPathComponent("out").path], "unknown extension"),
                                     (["--format", "jpeg", dir.appendingPathComponent("out.png").path], "names a png file"),
                                     (["--lossless", dir.appendingPathComponent("out.jpg").path], "--lossless is for WebP")] {
            let result = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, crop] + arguments)
            #expect(result.status == 64 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.gif").path), "nothing written")
        // With --format, a name without a known extension is fine.
        let named = dir.appendingPathComponent("result.bin")
        #expect(try CommandRunner.run(["upscale", "--format", "webp", "--model", CommandRunner.officialModel, crop, named.path]).status == 0)
        #expect(ImageCodec.sniff([UInt8](try Data(contentsOf: named))) == .webp)
    }

    @Test func versionAndEmbeddedModelsByName() throws {
        let version = try CommandRunner.run(["--version"])
        #expect(version.status == 0 && version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil,
                "\(version.stdout)")
        let dir = try CommandRunner.temporaryDirectory()
        let output = dir.appendingPathComponent("x.png")
        let result = try CommandRunner.run(["upscale", "--model", "embedded:x2", crop, output.path])
        #expect(result.status == 0 && result.stdout.contains("64x64 -> 128x128 (x2, png)"), "\(result.stderr)")
        let unknown = try CommandRunner.run(["upscale", "--model", "embedded:x9", crop, output.path])
        #expect(unknown.status == 69 && unknown.stderr.contains("no embedded default model for scale 9"), "\(unknown.stderr)")
        let badKernels = try CommandRunner.run(["upscale", crop, output.path], environment: ["SMSR_KERNELS": "sse9"])
        #expect(badKernels.status == 78 && badKernels.stderr.contains("SMSR_KERNELS=sse9"), "a bad setting is no crash: \(badKernels.stderr)")
    }
}
