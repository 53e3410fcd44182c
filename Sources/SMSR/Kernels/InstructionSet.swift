import SMSRCPU

/// The kernel builds in this binary: the same SIMD sources compiled for different CPUs.
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

    /// The widest build this CPU runs, if any.
    public static let best: InstructionSet? = [.avx512, .avx2, .neon].first { $0.isSupported }
}
