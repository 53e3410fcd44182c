import Foundation

/// Which kernels a run uses when the caller does not say: the widest SIMD build this CPU runs, unless the
/// `SMSR_KERNELS` environment variable names one (`avx512`, `avx2`, `neon` or `reference`).
public enum KernelChoice {
    public static let environmentVariable = "SMSR_KERNELS"

    /// The kernels called `name`, or nil if there are none by that name or this CPU cannot run them.
    public static func named(_ name: String) -> (any ConvolutionKernels)? {
        if name == "reference" { return ReferenceKernels() }
        return InstructionSet(rawValue: name).flatMap { SIMDKernels($0) }
    }

    public static let automatic: any ConvolutionKernels = {
        if let name = ProcessInfo.processInfo.environment[environmentVariable], !name.isEmpty {
            guard let kernels = named(name) else {
                fatalError("\(environmentVariable)=\(name): no such kernels on this CPU (avx512, avx2, neon, reference)")
            }
            return kernels
        }
        return InstructionSet.best.flatMap { SIMDKernels($0) } ?? ReferenceKernels()
    }()
}
