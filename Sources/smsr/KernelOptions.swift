import ArgumentParser
import Foundation
import SMSR
import UpscaleService

/// The engine choice shared by the benchmark commands: how many threads, and which backend.
struct KernelOptions: ParsableArguments {
    @Option(help: "Threads per run (default: all cores).")
    var threads: Int = CPUAllowance.cores

    @Option(help: "Kernels: avx512, avx2, neon or reference (default: SMSR_KERNELS, else the widest this CPU runs).")
    var kernels: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let kernels, Backend.named(kernels) == nil {
            throw ValidationError("--kernels \(kernels): not available on this CPU (\(Backend.availableNames.joined(separator: ", ")))")
        }
        _ = try settings()
    }

    /// SMSR_KERNELS and SMSR_TILE as the service reads them, with --kernels in place of SMSR_KERNELS when given.
    func settings() throws -> EngineSettings {
        var settings: EngineSettings
        do {
            settings = try EngineSettings(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        if let kernels { settings.kernels = kernels }
        return settings
    }

    /// The backend named by --kernels, else by SMSR_KERNELS, else the best this CPU runs.
    var chosen: Backend {
        (try? settings())?.backend ?? .best
    }
}
