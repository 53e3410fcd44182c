import Foundation
import Imaging
import Testing

@Suite struct EvalCommandTests {
    /// A one-image dataset: the golden butterfly crop as LR (named with an x2 suffix) and the matching HR region.
    func dataset() throws -> (hr: URL, lr: URL) {
        let dir = try CommandRunner.temporaryDirectory()
        let (hr, lr) = (dir.appendingPathComponent("HR"), dir.appendingPathComponent("LR"))
        try FileManager.default.createDirectory(at: hr, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: lr, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CommandRunner.shared.appendingPathComponent("reference/crop_butterfly_48x40_lr.png"),
                                         to: lr.appendingPathComponent("butterflyx2.png"))
        // The crop sits at LR (40, 24), so its HR region starts at (80, 48).
        let full = try ImageCodec.decode([UInt8](Data(contentsOf: CommandRunner.shared.appendingPathComponent("datasets/Set5/HR/butterfly.png"))))
        let hrCrop = full.image.cropped(x: 80, y: 48, width: 96, height: 80)
        try Data(ImageCodec.encode(hrCrop, as: .png)).write(to: hr.appendingPathComponent("butterfly.png"))
        return (hr, lr)
    }

    @Test func jsonReportFollowsTheProtocol() throws {
        let (hr, lr) = try dataset()
        let result = try CommandRunner.run(["eval", "--model", CommandRunner.officialModel, "--scale", "2",
                                            "--hr", hr.path, "--lr", lr.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["scale"] as? Int == 2)
        let images = try #require(object["images"] as? [[String: Any]])
        #expect(images.count == 1 && images.first?["name"] as? String == "butterfly")
        // The official utility scored this crop at 35.84324 dB against the same HR region.
        let psnr = try #require(object["mean_psnr_y"] as? Double)
        #expect(abs(psnr - 35.84324018420881) < 0.005, "PSNR \(psnr)")
        #expect(images.first?["flops_dense"] as? Int == 1_865_029_120)
        #expect(images.first?["flops_executed"] as? Int == 1_254_497_397)
        #expect((object["mean_ssim_y"] as? Double).map { $0 > 0.9 && $0 <= 1 } == true)
    }

    @Test func textReportAndMissingPairs() throws {
        let (hr, lr) = try dataset()
        let text = try CommandRunner.run(["eval", "--model", CommandRunner.officialModel, "--scale", "2", "--hr", hr.path, "--lr", lr.path])
        #expect(text.status == 0 && text.stdout.contains("mean (1 images, x2): PSNR_Y 35.84"))
        let empty = try CommandRunner.temporaryDirectory()
        let none = try CommandRunner.run(["eval", "--model", CommandRunner.officialModel, "--scale", "2", "--hr", hr.path, "--lr", empty.path])
        #expect(none.status != 0 && none.stderr.contains("no image"))
        let noScale = try CommandRunner.run(["eval", "--model", CommandRunner.officialModel, "--hr", hr.path, "--lr", lr.path])
        #expect(noScale.status == 64 && noScale.stderr.contains("--scale"))
    }

    /// The x4 LR folder scored at scale 2 is a mistake, not an 11 dB result.
    @Test func pairsOfAnotherScaleAreRefused() throws {
        let set5 = CommandRunner.shared.appendingPathComponent("datasets/Set5")
        let result = try CommandRunner.run(["eval", "--model", CommandRunner.officialModel, "--scale", "2",
                                            "--hr", set5.appendingPathComponent("HR").path,
                                            "--lr", set5.appendingPathComponent("LR_bicubic/X4").path])
        #expect(result.status == 65, "EX_DATAERR: \(result.stderr)")
        #expect(result.stderr.contains("LR 128x128 and HR 512x512 do not match scale 2"), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "no score is printed")
    }
}
