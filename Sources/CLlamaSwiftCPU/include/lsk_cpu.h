#ifndef LSK_CPU_H
#define LSK_CPU_H

/* The x86-64 micro-architecture level this CPU and operating system support, for
   choosing a build of the kernels at load time: 1 = baseline x86-64, 3 = x86-64-v3
   (AVX2, FMA, F16C, BMI1/2, LZCNT, MOVBE, with the OS saving the AVX state), 4 =
   x86-64-v4 (v3 plus AVX-512 F/BW/CD/DQ/VL) with AVX512_VNNI, the OS saving the
   AVX-512 state.
   0 on other architectures. Not exported from libllamaswift.so. */
int lsk_cpu_x86_level(void);

/* The kernel builds the program links in: an unretained KernelLevelBuilds
   (LlamaSwiftFormats) that the target LlamaSwiftKernelLevels defines as
   lsk_kernel_level_builds, or NULL when the program does not link that target (a Swift
   package that depends on the LlamaSwift product) or on systems other than Linux (a weak
   undefined symbol is what makes the target optional; Mach-O would need more). */
const void *lsk_linked_kernel_level_builds(void);

/* CPUs this process may run on (sched_getaffinity), at least 1. */
int lsk_usable_cpus(void);

/* 1 when fd is on /proc, /sys or a like pseudo file system (files that claim to be
   regular but have no fixed size or content), else 0. */
int lsk_fd_on_pseudo_fs(int fd);

/* A hint to fetch the cache line at p for reading (Swift has no prefetch of its own and
   the intrinsic _mm_prefetch is a macro, which Swift cannot import). Inlined into the
   Swift kernels; never faults, whatever p is. */
static inline void lsk_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#if defined(__F16C__) && defined(__AVX__)
#include <immintrin.h>
/* Eight floats to IEEE halves, rounded to nearest even (_mm256_cvtps_ph is a macro, which
   Swift cannot import). Seen only by builds for CPUs with F16C (the x86-64-v3 kernels). */
static inline __m128i lsk_floats_to_halves(__m256 v) { return _mm256_cvtps_ph(v, 0); }
#endif

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#include <immintrin.h>
/* s + the sums of 4 unsigned × signed byte products in each 32-bit lane, exact (vpdpbusd;
   _mm256_dpbusd_epi32 is a macro). Seen only by the x86-64-v4 kernel build. */
static inline __m256i lsk_dpbusd(__m256i s, __m256i u, __m256i x) { return _mm256_dpbusd_epi32(s, u, x); }
#endif

#if defined(__AVX512VNNI__) && defined(__AVX512F__)
/* The same on 512-bit registers (16 lanes): the v4 kernels that take two groups of 8 rows
   at once. */
static inline __m512i lsk_dpbusd512(__m512i s, __m512i u, __m512i x) { return _mm512_dpbusd_epi32(s, u, x); }
/* lo in bits 0-255 and hi in bits 256-511 (_mm512_inserti64x4 is a macro). */
static inline __m512i lsk_join256(__m256i lo, __m256i hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}
#endif

#endif
