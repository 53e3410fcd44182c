// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.

/// The register width this build is compiled for: 16 lanes where the target CPU has AVX-512, else 8
/// (AVX2 has 16 registers of 8 lanes, so its register tiles are smaller; NEON builds take 8 too).
#if SMSR_WIDE_VECTORS
typealias FullVector = SIMD16<Float>
/// Half a vector of floats widened to doubles: one register.
typealias HalfDoubles = SIMD8<Double>
#else
typealias FullVector = SIMD8<Float>
typealias HalfDoubles = SIMD4<Double>
#endif
