import Foundation
import Testing

/// The benchmark commands' output formats (what Benchmarks/bench.py and users parse); no timing is asserted.
@Suite struct BenchCommandTests {
    @Test func networkBenchReportsTheProtocolFields() throws {
        let input = CommandRunner.shared.appendingPathComponent("reference/crop_butterfly_48x40_lr.png").path
        let result = try CommandRunner.run(["bench", "--model", CommandRunner.officialModel, "--input", input,
                                            "--runs", "2", "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let median = try #require(object["median_ms"] as? Double)
        let fastest = try #require(object["min_ms"] as? Double)
        #expect(fastest > 0 && fastest <= median)
        // The eval test's figures for the same crop: the bench counts the same work.
        #expect(object["flops_dense"] as? Int == 1_865_029_120)
        #expect(object["flops_executed"] as? Int == 1_254_497_397)
        // Less what the Winograd forms leave out, on the fast kernels this machine runs.
        let multiplied = try #require(object["multiply_adds"] as? Int)
        #expect(multiplied > 0 && multiplied < 1_254_497_397)
        #expect((object["multiply_adds_per_second"] as? Double).map { $0 > 0 } == true)
        #expect(object["threads"] as? Int == 1)
        let stages = try #require(object["stages_ms"] as? [String: Double])
        for stage in ["mask", "smb", "collect", "tail"] {
            #expect(stages[stage].map { $0 >= 0 } == true, "stage \(stage) missing")
        }
    }

    @Test func kernelBenchTimesEveryShapeOfTheNetwork() throws {
        let (height, width) = (6, 40)
        let result = try CommandRunner.run(["bench-kernels", "--runs", "1", "--threads", "2", "--kernels", "reference",
                                            "--height", "\(height)", "--width", "\(width)", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["kernels"] as? String == "reference")
        #expect(object["threads"] as? Int == 2)
        let shapes = try #require(object["shapes"] as? [[String: Any]])
        let names = shapes.compactMap { $0["shape"] as? String }
        #expect(names.count == 8 && Set(names).count == 8)
        #expect(names.contains("body 3x3 64->64") && names.contains("collect 1x1 64->64"))
        for shape in shapes {
            let k = try #require(shape["kernel_size"] as? Int)
            let (i, o) = (try #require(shape["inputs"] as? Int), try #require(shape["outputs"] as? Int))
            // The scattered shape computes every third pixel of each row (x % 3 == 1): 13 of 40.
            let positions = (shape["shape"] as? String)?.hasSuffix("every 3rd px") == true ? height * 13 : height * width
            #expect(shape["positions"] as? Int == positions)
            #expect(shape["macs"] as? Int == positions * k * k * i * o)
            let rate = try #require(shape["macs_per_second"] as? Double)
            #expect(rate.isFinite && rate > 0)
        }
    }

    @Test func kernelBenchRejectsBadArguments() throws {
        let tiny = try CommandRunner.run(["bench-kernels", "--height", "2"])
        #expect(tiny.status != 0 && tiny.stderr.contains("--height"))
        let unknown = try CommandRunner.run(["bench-kernels", "--kernels", "sse9"])
        #expect(unknown.status != 0 && unknown.stderr.contains("sse9"))
    }
}
