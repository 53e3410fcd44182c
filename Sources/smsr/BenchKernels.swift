import ArgumentParser
import Dispatch
import Foundation
import SMSR

/// Times each convolution shape of the network alone, on synthetic data of the benchmark input's size: how close
/// the kernels themselves run to the FMA peak, apart from what the network does around them.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kernels",
        abstract: "Time every convolution shape of the network alone (dense, best of --runs).",
        discussion: "Multiply-accumulates per second of each shape on a --height x --width map; compare with the "
            + "FMA peak (Benchmarks/fma_peak.c) measured beside it. Lanes a kernel computes but does not store "
            + "(outputs that are not a multiple of the vector width) count as lost.")

    @Option(help: "Timed runs per shape; the fastest counts.")
    var runs: Int = 5

    @OptionGroup var engine: KernelOptions

    @Option(help: "Map height in pixels.")
    var height: Int = 360

    @Option(help: "Map width in pixels.")
    var width: Int = 640

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    /// Where each shape occurs in the network.
    static let shapes: [(name: String, kernelSize: Int, inputs: Int, outputs: Int)] = [
        ("head 3x3 3->64", 3, 3, 64),
        ("body 3x3 64->64", 3, 64, 64),
        ("mask generator 3x3 64->16", 3, 64, 16),
        ("mask generator 3x3 16->16", 3, 16, 16),
        ("collect 1x1 64->64", 1, 64, 64),
        ("tail x2 3x3 64->12", 3, 64, 12),
        ("tail x4 3x3 64->48", 3, 64, 48),
    ]

    func validate() throws {
        guard runs >= 1, height >= 3, width >= 3 else {
            throw ValidationError("--runs must be at least 1, --height and --width at least 3")
        }
    }

    func run() throws {
        let threads = engine.threads
        let chosen = engine.chosen.threaded(threads)
        var rows: [[String: Any]] = []
        for shape in Self.shapes {
            // Small repeating values: the arithmetic is what is timed, and no value grows into denormals or infinities.
            let input = FeatureMap(height: height, width: width, channels: shape.inputs,
                                   values: (0..<(height * width * shape.inputs)).map { Float($0 % 7) * 0.125 })
            let weights = ConvWeights(kernelSize: shape.kernelSize, inputs: shape.inputs, outputs: shape.outputs,
                                      values: (0..<(shape.kernelSize * shape.kernelSize * shape.inputs * shape.outputs))
                                          .map { Float($0 % 5) * 0.0625 - 0.125 },
                                      bias: [Float](repeating: 0.5, count: shape.outputs))
            var output = FeatureMap(height: height, width: width, channels: shape.outputs)
            chosen.convolve(input, weights, relu: true, into: &output)  // warm-up: pages and caches
            var best = Double.infinity
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                chosen.convolve(input, weights, relu: true, into: &output)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let macs = height * width * shape.kernelSize * shape.kernelSize * shape.inputs * shape.outputs
            rows.append(["shape": shape.name, "kernel_size": shape.kernelSize, "inputs": shape.inputs,
                         "outputs": shape.outputs, "macs": macs, "best_ms": best * 1e3,
                         "macs_per_second": Double(macs) / best])
        }
        if json {
            print(try JSONText.line(["kernels": chosen.name, "threads": threads, "height": height, "width": width,
                                     "runs": runs, "shapes": rows]))
        } else {
            print("\(chosen.name) kernels, \(threads) thread(s), \(height)x\(width) maps, best of \(runs) runs:")
            for row in rows {
                let name = (row["shape"] as? String ?? "").padding(toLength: 28, withPad: " ", startingAt: 0)
                print("  \(name) \(String(format: "%8.2f ms %7.1f G/s", row["best_ms"] as? Double ?? 0, (row["macs_per_second"] as? Double ?? 0) / 1e9))")
            }
        }
    }
}
