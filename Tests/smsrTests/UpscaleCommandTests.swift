import Foundation
import Imaging
import Testing

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
        #expect((object["stages_ms"] as? [String: Any])?["infer"] != nil)
        #expect((object["mask_density"] as? [Double])?.count == 5)
        #expect(try Data(contentsOf: output).starts(with: [0xFF, 0xD8]))
        // The raw output is the float result, equal to the official one within 1e-3.
        let ours = try Data(contentsOf: raw).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let golden = try Data(contentsOf: CommandRunner.shared.appendingPathComponent("reference/crop_baby_64x64_sr.f32"))
            .withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(ours.count == golden.count)
        #expect((zip(ours, golden).map { abs($0 - $1) }.max() ?? 1) <= 1e-3)
    }

    @Test func badInputsAreClearErrors() throws {
        let dir = try CommandRunner.temporaryDirectory()
        let garbage = dir.appendingPathComponent("garbage.png")
        try Data("not an image at all".utf8).write(to: garbage)
        let corrupt = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, garbage.path, dir.appendingPathComponent("o.png").path])
        #expect(corrupt.status != 0)
        #expect(corrupt.stderr.contains("Error"))
        let missing = try CommandRunner.run(["upscale", "--model", CommandRunner.officialModel, dir.appendingPathComponent("none.png").path, "o.png"])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read"))
        let badModel = try CommandRunner.run(["upscale", "--model", garbage.path, crop, dir.appendingPathComponent("o.png").path])
        #expect(badModel.status != 0 && badModel.stderr.contains("cannot load model"))
        let badQuality = try CommandRunner.run(["upscale", "--quality", "0", "--model", CommandRunner.officialModel, crop, "o.jpg"])
        #expect(badQuality.status != 0 && badQuality.stderr.contains("--quality"))
    }
}
