// FMA throughput probe: the machine's peak multiply-accumulates per second, measured the same way the
// engine is timed (wall clock, best of several rounds), on 1..N threads.
// Build: cc -O3 -mavx512f -mfma -pthread fma_peak.c -o fma_peak   (or -mavx2 -mfma -DWIDTH=8)
// Usage: fma_peak THREADS [SECONDS]  ->  prints one JSON object.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#ifndef WIDTH
#define WIDTH 16
#endif

#if WIDTH == 16
typedef __m512 vec;
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#else
typedef __m256 vec;
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#endif

/* Independent accumulators: enough to cover 4-cycle latency on 2 ports with margin, and few enough to stay in
   registers with the two operands (AVX2 has 16 vector registers: 16 chains there spill and halve the rate). */
#if WIDTH == 16
#define CHAINS 16
#else
#define CHAINS 12
#endif
static const long ITERATIONS = 20000000;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

static void *spin(void *arg) {
    float *sink = arg;
    vec a[CHAINS];
    for (int i = 0; i < CHAINS; i++) a[i] = SET1(0.001f * i);
    vec x = SET1(0.999999f), y = SET1(1e-7f);
    for (long n = 0; n < ITERATIONS; n++) {
#pragma GCC unroll 16
        for (int i = 0; i < CHAINS; i++) a[i] = FMA(a[i], x, y);
        __asm__ volatile("" : "+v"(x)); /* keep the loop from being folded */
    }
    vec s = a[0];
    for (int i = 1; i < CHAINS; i++) s = ADD(s, a[i]);
    STORE(sink, s);
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (threads < 1 || threads > 256 || rounds < 1) return 2;
    pthread_t ids[256];
    float sinks[256][WIDTH];
    double best = 1e30, best_cpu = 1e30;
    for (int r = 0; r < rounds; r++) {
        double start = now(), cpu_start = cpu_seconds();
        for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, spin, sinks[t]);
        for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
        double elapsed = now() - start, cpu = cpu_seconds() - cpu_start;
        if (elapsed < best) best = elapsed;
        if (cpu < best_cpu) best_cpu = cpu;
    }
    double macs = (double)threads * ITERATIONS * CHAINS * WIDTH;
    /* Per CPU-second: what one thread's worth of core delivers while it runs, apart from other processes. */
    printf("{\"threads\":%d,\"width\":%d,\"seconds\":%.4f,\"macs_per_second\":%.4e,\"macs_per_cpu_second\":%.4e}\n",
           threads, WIDTH, best, macs / best, macs / best_cpu);
    return 0;
}
