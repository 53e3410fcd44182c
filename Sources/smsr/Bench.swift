import ArgumentParser
import Foundation
import Imaging
import SMSR
import UpscaleService

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the network on one image: a warm-up run, then --runs timed runs.",
        discussion: "The kernels are the widest this CPU runs unless --kernels or SMSR_KERNELS names others.")

    @OptionGroup var model: ModelOptions

    @Option(help: "The low-resolution input (PNG or JPEG).")
    var input: String

    @Option(help: "Timed runs after the warm-up.")
    var runs: Int = 5

    @OptionGroup var engine: KernelOptions

    @Option(help: "Tile edge in input pixels (default: whole image when it fits the memory budget).")
    var tile: Int?

    @Flag(help: "Run the plain dense network: every mask forced to one, no mask generators.")
    var dense = false

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let loaded = try model.load()
        let image = try ImageCodec.decode(CommandInput.read(input)).image.converted(to: .rgb)
        let planar = image.planarRGB()
        let threads = engine.threads
        var options = InferenceOptions(masks: dense ? .allOnes : .predicted, backend: engine.chosen, threads: threads)
        if let tile { options.tiling = .tiles(tile) }
        let network = loaded.network
        var cpuTimes: [Double] = []
        func once() -> (ms: Double, result: InferenceResult) {
            let cpuStart = Self.processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            let result = network.run(planarRGB: planar, height: image.height, width: image.width, options: options)
            cpuTimes.append((Self.processCPUSeconds() - cpuStart) * 1e3)
            return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, result)
        }
        _ = once()
        cpuTimes.removeAll()
        var times: [Double] = []
        var stageRuns: [[InferenceStage: Double]] = []
        var last: InferenceResult?
        for _ in 0..<runs {
            let (ms, result) = once()
            times.append(ms)
            stageRuns.append(result.stages)
            last = result
        }
        guard let last else { return }
        let medianMs = Self.median(times)
        var stages: [String: Double] = [:]
        for stage in InferenceStage.allCases {
            stages[stage.rawValue] = Self.median(stageRuns.map { $0[stage] ?? 0 })
        }
        let macsPerSecond = Double(last.work.executed) / (medianMs / 1e3)
        if json {
            print(try JSONText.line([
                "input": input, "width": image.width, "height": image.height, "scale": loaded.scale,
                "network": dense ? "dense" : "sparse", "runs": runs, "median_ms": medianMs, "min_ms": times.min() ?? 0,
                "times_ms": times, "flops_dense": last.work.dense, "flops_executed": last.work.executed,
                "macs_per_second": macsPerSecond,
                // What the kernels multiplied: the count above less what Winograd's forms of the dense 3x3 convolutions
                // leave out. Their rate over the FMA peak is the kernels' efficiency; the rate above, the network's speed.
                "multiply_adds": last.multiplyAdds,
                "multiply_adds_per_second": Double(last.multiplyAdds) / (medianMs / 1e3),
                "threads": threads, "kernels": options.backend.name,
                "tiles": tile.map { _ in "tiled" } ?? "automatic", "mask_density": last.maskDensity,
                "stages_ms": stages, "peak_rss_bytes": Self.peakResidentBytes(),
                // CPU time this process was actually given: on a shared machine, MACs per CPU-second show the
                // kernels' efficiency apart from time lost to other processes.
                "cpu_ms_median": Self.median(cpuTimes),
                "macs_per_cpu_second": Double(last.work.executed) / (Self.median(cpuTimes) / 1e3),
            ] as [String: Any]))
        } else {
            print(String(format: "%@ %dx%d x%d, %@ network, %@ kernels, %d thread(s): median %.1f ms, min %.1f ms over %d runs",
                         input, image.width, image.height, loaded.scale, dense ? "dense" : "sparse", options.backend.name,
                         threads, medianMs, times.min() ?? 0, runs))
            print(String(format: "multiply-accumulates: %.2f G executed of %.2f G dense (%.1f%% saved), %.1f G/s",
                         Double(last.work.executed) / 1e9, Double(last.work.dense) / 1e9, 100 * last.work.savedFraction,
                         macsPerSecond / 1e9))
            print(String(format: "multiplied by the kernels (Winograd forms' saving taken out): %.2f G, %.1f G/s",
                         Double(last.multiplyAdds) / 1e9, Double(last.multiplyAdds) / (medianMs / 1e3) / 1e9))
            print("stages (median ms): " + InferenceStage.allCases.map { String(format: "%@ %.1f", $0.rawValue, stages[$0.rawValue] ?? 0) }
                .joined(separator: ", "))
            print(String(format: "peak RSS: %.1f MiB", Double(Self.peakResidentBytes()) / 1048576))
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// User plus system CPU time of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The process's peak resident set size (Linux reports kilobytes, Darwin bytes).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }
}
