import SMSRCPU
import SMSRKernels16Lanes
import SMSRKernels8Lanes

/// The instruction sets the binary's kernel builds target: the same vector sources compiled per vector width.
public enum InstructionSet: String, Sendable, CaseIterable, Codable {
    /// 16-lane registers, 32 of them: x86-64 with AVX-512 (F, BW, DQ, VL, CD).
    case avx512
    /// 8-lane registers, 16 of them: x86-64 with AVX2 and FMA.
    case avx2
    /// The 8-lane build on aarch64, where NEON is the baseline.
    case neon

    /// Whether this process can run the build.
    public var isSupported: Bool {
        #if arch(x86_64)
        switch self {
        case .avx512: return smsr_cpu_has_avx512() != 0
        case .avx2: return smsr_cpu_has_avx2_fma() != 0
        case .neon: return false
        }
        #elseif arch(arm64)
        return self == .neon
        #else
        return false
        #endif
    }

    /// The build that runs this instruction set's kernels: the only place that tells the builds apart.
    var kernelTable: smsr_kernel_table {
        switch self {
        case .avx512: SMSRKernels16Lanes.KernelBuild.table
        case .avx2, .neon: SMSRKernels8Lanes.KernelBuild.table
        }
    }

    /// What a build is worth on a CPU that runs it: its vector width.
    var score: Int { isSupported ? kernelTable.lanes : 0 }

    /// The highest-scoring build this CPU runs, if any, chosen once.
    public static let best: InstructionSet? = allCases.filter(\.isSupported).max { $0.score < $1.score }
}
