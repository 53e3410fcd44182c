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

    @Option(help: "Only the shapes whose name contains this text (for profiling one shape).")
    var only: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    /// Where each shape occurs in the network. `scattered`: only every third pixel of each row is computed, as
    /// a sparse layer's masked pixels (no two neighbours, so every position is gathered, none in a row run).
    /// `winograd`: the block size of Winograd's form (0: the taps summed directly, the kernels' own rate), which the
    /// network's dense 3x3 convolutions on 64 inputs take: 2x2 for the head and the joint first convolutions, 4x4 for
    /// the fusion and the tail. Those rows count the direct sums' multiply-adds, so their rate can pass the FMA peak.
    static let shapes: [(name: String, kernelSize: Int, inputs: Int, outputs: Int, scattered: Bool, winograd: Int)] = [
        ("head 3x3 3->64", 3, 3, 64, false, 0),
        ("body 3x3 64->64", 3, 64, 64, false, 0),
        ("body 3x3 64->64 Winograd 2x2", 3, 64, 64, false, 2),
        ("body 3x3 64->64 Winograd 4x4", 3, 64, 64, false, 4),
        ("body 3x3 64->64 every 3rd px", 3, 64, 64, true, 0),
        ("mask generator 3x3 64->16", 3, 64, 16, false, 0),
        ("joint first 3x3 64->32 Wino 2x2", 3, 64, 32, false, 2),
        ("mask generator 3x3 16->16", 3, 16, 16, false, 0),
        ("collect 1x1 64->64", 1, 64, 64, false, 0),
        ("tail x2 3x3 64->12", 3, 64, 12, false, 0),
        ("tail x2 3x3 64->12 Winograd 4x4", 3, 64, 12, false, 4),
        ("tail x4 3x3 64->48", 3, 64, 48, false, 0),
    ]

    func validate() throws {
        guard runs >= 1, height >= 3, width >= 3 else {
            throw ValidationError("--runs must be at least 1, --height and --width at least 3")
        }
    }

    func run() throws {
        let threads = engine.threads
        let chosen = engine.chosen.kernels.threaded(threads)
        var rows: [[String: Any]] = []
        for shape in Self.shapes {
            // Only the vector kernels have the Winograd form.
            if shape.winograd > 0 && !chosen.runsWinogradForms { continue }
            if let only, !shape.name.contains(only) { continue }
            // Small repeating values: the arithmetic is what is timed, and no value grows into denormals or infinities.
            let input = FeatureMap(height: height, width: width, channels: shape.inputs,
                                   values: (0..<(height * width * shape.inputs)).map { Float($0 % 7) * 0.125 })
            let plain = ConvWeights(kernelSize: shape.kernelSize, inputs: shape.inputs, outputs: shape.outputs,
                                    values: (0..<(shape.kernelSize * shape.kernelSize * shape.inputs * shape.outputs))
                                        .map { Float($0 % 5) * 0.0625 - 0.125 },
                                    bias: [Float](repeating: 0.5, count: shape.outputs))
            let weights = shape.winograd > 0 ? plain.withWinogradBlocks(shape.winograd) : plain
            var output = FeatureMap(height: height, width: width, channels: shape.outputs)
            let mask = shape.scattered
                ? SpatialMask(height: height, width: width, bits: (0..<(height * width)).map { UInt8($0 % width % 3 == 1 ? 1 : 0) })
                : nil
            func convolve() {
                if let mask {
                    // Every input dense, no dense outputs: the masked pixels get all 64 outputs, the others are set to 0.
                    chosen.sparseConvolve(input, denseInputs: shape.inputs, weights, denseOutputs: 0, mask: mask, into: &output)
                } else {
                    chosen.convolve(input, weights, relu: true, into: &output)
                }
            }
            convolve()  // warm-up: pages and caches
            var best = Double.infinity
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                convolve()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let positions = mask?.count ?? height * width
            let macs = positions * shape.kernelSize * shape.kernelSize * shape.inputs * shape.outputs
            rows.append(["shape": shape.name, "kernel_size": shape.kernelSize, "inputs": shape.inputs, "winograd": shape.winograd,
                         "outputs": shape.outputs, "positions": positions, "macs": macs, "best_ms": best * 1e3,
                         "macs_per_second": Double(macs) / best])
        }
        if json {
            print(try JSONText.line(["kernels": chosen.name, "threads": threads, "height": height, "width": width,
                                     "runs": runs, "shapes": rows]))
        } else {
            print("\(chosen.name) kernels, \(threads) thread(s), \(height)x\(width) maps, best of \(runs) runs:")
            for row in rows {
                let name = (row["shape"] as? String ?? "").padding(toLength: 32, withPad: " ", startingAt: 0)
                print("  \(name) \(String(format: "%8.2f ms %7.1f G/s", row["best_ms"] as? Double ?? 0, (row["macs_per_second"] as? Double ?? 0) / 1e9))")
            }
        }
    }
}
