/* The machine's int8 multiply-add peak on one core, for docs/performance.md ("how far is
 * prefill from the peak"): the instruction each kernel level's matmuls are built on, run
 * back to back with 12 independent accumulators (more than latency × throughput, so the
 * figure is throughput, not latency), for about half a second each.
 *
 *   v4 (AVX-512 VNNI):  vpdpbusd on 256-bit registers (what the v4 kernels use) and on
 *                       512-bit ones: 32 / 64 u8·s8 products per instruction
 *   v3 (AVX2):          vpmaddubsw, 32 u8·s8 products summed in pairs to 16 bits
 *                       (what the v3 kernels use before widening to 32 bits)
 *
 * Prints products per second (GMAC/s) and products per cycle at the clock /proc/cpuinfo
 * reports (a virtual machine's nominal clock; turbo makes the true clock higher).
 * Build: cc -O2 -o int8-peak scripts/int8-peak.c (scripts/int8-peak.sh does it). */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static volatile int sink;

#define ACCUMULATORS 12

/* Each kernel runs `n` rounds of ACCUMULATORS instructions and returns a value that
 * depends on every accumulator (so none is optimized away). */

__attribute__((target("avx512f,avx512vl,avx512vnni"))) static int dpbusd256(long n, int seed) {
    __m256i a = _mm256_set1_epi8((char)(seed | 1)), b = _mm256_set1_epi8(3);
    __m256i acc[ACCUMULATORS];
#pragma GCC unroll 16
    for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm256_set1_epi32(i);
    for (long r = 0; r < n; r++) {
#pragma GCC unroll 16
        for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm256_dpbusd_epi32(acc[i], a, b);
        __asm__ volatile("" : "+x"(a));
    }
    __m256i s = acc[0];
#pragma GCC unroll 16
    for (int i = 1; i < ACCUMULATORS; i++) s = _mm256_add_epi32(s, acc[i]);
    return _mm256_extract_epi32(s, 0);
}

__attribute__((target("avx512f,avx512vl,avx512vnni"))) static int dpbusd512(long n, int seed) {
    __m512i a = _mm512_set1_epi8((char)(seed | 1)), b = _mm512_set1_epi8(3);
    __m512i acc[ACCUMULATORS];
#pragma GCC unroll 16
    for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm512_set1_epi32(i);
    for (long r = 0; r < n; r++) {
#pragma GCC unroll 16
        for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
        __asm__ volatile("" : "+v"(a));
    }
    __m512i s = acc[0];
#pragma GCC unroll 16
    for (int i = 1; i < ACCUMULATORS; i++) s = _mm512_add_epi32(s, acc[i]);
    return _mm512_reduce_add_epi32(s);
}

/* vpmaddubsw then vpaddw into 16-bit sums: the v3 kernels' inner step (two instructions
 * per 32 products; the adds run on other ports on current cores). */
__attribute__((target("avx2"))) static int maddubs256(long n, int seed) {
    __m256i a = _mm256_set1_epi8((char)(seed | 1)), b = _mm256_set1_epi8(3);
    __m256i acc[ACCUMULATORS];
#pragma GCC unroll 16
    for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm256_set1_epi16((short)i);
    for (long r = 0; r < n; r++) {
#pragma GCC unroll 16
        for (int i = 0; i < ACCUMULATORS; i++) acc[i] = _mm256_add_epi16(acc[i], _mm256_maddubs_epi16(a, b));
        __asm__ volatile("" : "+x"(a));
    }
    __m256i s = acc[0];
#pragma GCC unroll 16
    for (int i = 1; i < ACCUMULATORS; i++) s = _mm256_add_epi16(s, acc[i]);
    return _mm256_extract_epi16(s, 0);
}

static double clockGHz(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[256];
    double mhz = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0) {
            char *colon = strchr(line, ':');
            if (colon) mhz = atof(colon + 1);
            break;
        }
    fclose(f);
    return mhz / 1000;
}

/* Median of 5 timed runs of `rounds` rounds; prints GMAC/s and MAC per cycle. */
static void measure(const char *name, int (*kernel)(long, int), int macsPerInstruction, double ghz) {
    long rounds = 20 * 1000 * 1000;
    double t[5];
    sink += kernel(rounds / 4, 7); /* warm-up: the clock rises to its loaded level */
    for (int k = 0; k < 5; k++) {
        double t0 = now();
        sink += kernel(rounds, k);
        t[k] = now() - t0;
    }
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            if (t[j] < t[i]) {
                double x = t[i];
                t[i] = t[j];
                t[j] = x;
            }
    double macs = (double)rounds * ACCUMULATORS * macsPerInstruction;
    double rate = macs / t[2] / 1e9;
    printf("%-34s %8.1f GMAC/s", name, rate);
    if (ghz > 0) printf("   %5.1f MAC/cycle at %.2f GHz", rate / ghz, ghz);
    printf("\n");
}

int main(void) {
    double ghz = clockGHz();
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")) {
        measure("v4: vpdpbusd ymm (32 MAC)", dpbusd256, 32, ghz);
        measure("v4: vpdpbusd zmm (64 MAC)", dpbusd512, 64, ghz);
    } else {
        printf("v4: no AVX-512 VNNI on this CPU\n");
    }
    if (__builtin_cpu_supports("avx2"))
        measure("v3: vpmaddubsw+vpaddw ymm (32 MAC)", maddubs256, 32, ghz);
    else
        printf("v3: no AVX2 on this CPU\n");
    return 0;
}
