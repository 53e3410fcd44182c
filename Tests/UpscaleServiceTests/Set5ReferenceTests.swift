import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// The whole path on Set5 against the official implementation's quantized outputs and scores.
@Suite struct Set5ReferenceTests {
    @Test func set5MatchesTheOfficialOutputsAndScores() throws {
        let evaluation = DatasetEvaluation(flow: SharedData.flow(SharedData.officialModel))
        let pairs = try DatasetEvaluation.pairs(hr: SharedData.url("datasets/Set5/HR"),
                                                lr: SharedData.url("datasets/Set5/LR_bicubic/X2"), scale: 2)
        #expect(pairs.map(\.name) == ["baby", "bird", "butterfly", "head", "woman"])
        var (total, equal, worst) = (0, 0, 0)
        var scores: [DatasetEvaluation.ImageScore] = []
        for pair in pairs {
            let score = try evaluation.score(pair)
            scores.append(score)
            let official = try ImageCodec.decode(SharedData.bytes("reference/set5_x2_official/\(pair.name)_x2_SR.png")).image
            #expect(official.width == score.output.width && official.height == score.output.height)
            for (a, b) in zip(official.converted(to: .rgb).pixels, score.output.pixels) {
                total += 1
                if a == b { equal += 1 }
                worst = max(worst, abs(Int(a) - Int(b)))
            }
        }
        let meanPSNR = scores.map(\.psnrY).reduce(0, +) / 5
        let meanSSIM = scores.map(\.ssimY).reduce(0, +) / 5
        #expect(abs(meanPSNR - 37.991) <= 0.005, "mean PSNR_Y \(meanPSNR)")
        #expect(abs(meanSSIM - 0.9601) <= 0.0005, "mean SSIM_Y \(meanSSIM)")
        #expect(Double(equal) / Double(total) >= 0.9999, "\(total - equal) of \(total) bytes differ")
        #expect(worst <= 1, "a byte differs by \(worst)")
    }
}
