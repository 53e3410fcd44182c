#include "smsr_cpu.h"

/* The feature sets of -target-cpu skylake-avx512 and haswell, which the two kernel builds assume. */
#if defined(__x86_64__)
int smsr_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512cd")
        && __builtin_cpu_supports("fma");
}

int smsr_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2")
        && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("movbe");
}
#else
int smsr_cpu_has_avx512(void) { return 0; }
int smsr_cpu_has_avx2_fma(void) { return 0; }
#endif
