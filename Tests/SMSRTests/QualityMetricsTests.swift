import Foundation
import Testing
@testable import SMSR

/// The metrics against the official utility's figures for the official Set5 outputs.
@Suite struct QualityMetricsTests {
    @Test func officialOutputsScoreAsTheManifestSays() throws {
        let manifest = try SharedData.manifest()
        let images = try #require((manifest["set5_x2"] as? [String: Any])?["images"] as? [[String: Any]])
        #expect(images.count == 5)
        for entry in images {
            let name = try #require(entry["name"] as? String)
            let sr = try TestImages.image("reference/set5_x2_official/\(name)_x2_SR.png").converted(to: .rgb)
            let hr = try TestImages.image("datasets/Set5/HR/\(name).png").converted(to: .rgb)
            let hrCrop = hr.cropped(x: 0, y: 0, width: sr.width, height: sr.height)
            let psnr = QualityMetrics.psnrY(sr.pixels, hrCrop.pixels, width: sr.width, height: sr.height, shave: 2)
            let ssim = QualityMetrics.ssimY(sr.pixels, hrCrop.pixels, width: sr.width, height: sr.height, shave: 2)
            #expect(abs(psnr - (entry["psnr_y"] as? Double ?? 0)) < 1e-4, "\(name) PSNR \(psnr)")
            #expect(abs(ssim - (entry["ssim_y"] as? Double ?? 0)) < 1e-6, "\(name) SSIM \(ssim)")
        }
    }

    @Test func identicalImagesAndKnownErrors() {
        let (w, h) = (16, 16)
        let a = [UInt8](repeating: 100, count: w * h * 3)
        #expect(QualityMetrics.psnrY(a, a, width: w, height: h, shave: 2) == .infinity)
        #expect(abs(QualityMetrics.ssimY(a, a, width: w, height: h, shave: 2) - 1) < 1e-12)
        // A uniform error of 1 in every channel: dY = (65.738 + 129.057 + 25.064) / 256 / 255.
        let b = a.map { $0 + 1 }
        let dy = (65.738 + 129.057 + 25.064) / 256 / 255
        #expect(abs(QualityMetrics.psnrY(a, b, width: w, height: h, shave: 2) - (-10 * log10(dy * dy))) < 1e-9)
    }
}
