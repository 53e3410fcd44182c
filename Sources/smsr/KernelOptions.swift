import ArgumentParser
import SMSR

/// The engine choice shared by the benchmark commands: how many threads, and which kernel build.
struct KernelOptions: ParsableArguments {
    @Option(help: "Threads per run (default: all cores).")
    var threads: Int = CPUAllowance.cores

    @Option(help: "Kernels: avx512, avx2, neon or reference (default: the widest this CPU runs).")
    var kernels: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let kernels, KernelChoice.named(kernels) == nil {
            throw ValidationError("--kernels \(kernels): not available on this CPU (avx512, avx2, neon, reference)")
        }
    }

    /// The kernels named by --kernels, else the automatic choice (the widest this CPU runs, or SMSR_KERNELS).
    var chosen: any ConvolutionKernels {
        kernels.flatMap { KernelChoice.named($0) } ?? KernelChoice.automatic
    }
}
