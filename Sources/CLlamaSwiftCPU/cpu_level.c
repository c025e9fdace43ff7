#include "lsk_cpu.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>

static unsigned long long lsk_xgetbv0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

int lsk_cpu_x86_level(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 1;
    const unsigned int c1 = c;
    /* v2 prerequisites and v3's leaf-1 features: SSE3 0, SSSE3 9, FMA 12, CX16 13,
       SSE4.1 19, SSE4.2 20, MOVBE 22, POPCNT 23, OSXSAVE 27, AVX 28, F16C 29. */
    const unsigned int need1 = (1u << 0) | (1u << 9) | (1u << 12) | (1u << 13) | (1u << 19) | (1u << 20) |
                               (1u << 22) | (1u << 23) | (1u << 27) | (1u << 28) | (1u << 29);
    if ((c1 & need1) != need1) return 1;
    const unsigned long long xcr0 = lsk_xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 1; /* SSE and AVX state */
    if (__get_cpuid_max(0, 0) < 7) return 1;
    __cpuid_count(7, 0, a, b, c, d);
    const unsigned int b7 = b, c7 = c;
    /* BMI1 3, AVX2 5, BMI2 8 */
    const unsigned int need7 = (1u << 3) | (1u << 5) | (1u << 8);
    if ((b7 & need7) != need7) return 1;
    if (!__get_cpuid(0x80000001, &a, &b, &c, &d)) return 1;
    if (!(c & (1u << 5))) return 1; /* LZCNT */
    /* v4: AVX512F 16, AVX512DQ 17, AVX512CD 28, AVX512BW 30, AVX512VL 31; opmask and
       ZMM state (XCR0 bits 5, 6, 7). Our v4 kernels also use AVX512_VNNI (leaf 7 ECX
       bit 11; every AVX-512 CPU since Cascade Lake and Zen 4 has it), so a CPU without
       it runs the v3 kernels. */
    const unsigned int need4 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    if ((b7 & need4) == need4 && (c7 & (1u << 11)) && (xcr0 & 0xE0) == 0xE0) return 4;
    return 3;
}
#else
int lsk_cpu_x86_level(void) { return 0; }
#endif

#if defined(__linux__)
/* Defined by LlamaSwiftKernelLevels (Swift, @_cdecl) in the programs that link it. */
extern const void *lsk_kernel_level_builds(void) __attribute__((weak));
const void *lsk_linked_kernel_level_builds(void) { return lsk_kernel_level_builds ? lsk_kernel_level_builds() : 0; }
#else
const void *lsk_linked_kernel_level_builds(void) { return 0; }
#endif
