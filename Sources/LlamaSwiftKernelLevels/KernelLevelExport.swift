import CLlamaSwiftCPU
import LlamaSwiftFormats
import LlamaSwiftKernelsBase

#if canImport(LlamaSwiftKernelsV3)
    import LlamaSwiftKernelsV3
#endif
#if canImport(LlamaSwiftKernelsV4)
    import LlamaSwiftKernelsV4
#endif

/// The kernel builds this target carries (see KernelLevelBuilds): the -Ounchecked
/// baseline everywhere (level 0: any CPU), x86-64-v3 and v4 on x86-64.
let linkedBuilds: KernelLevelBuilds = {
    var builds: [KernelLevelBuilds.Build] = [
        .init(level: 0) { LlamaSwiftKernelsBase.kernelSet(name: lsk_cpu_x86_level() == 0 ? "portable" : "x86-64") }
    ]
    #if canImport(LlamaSwiftKernelsV3)
        /// x86-64-v3: AVX2, FMA, F16C (the AVX2 intrinsics of the kernel sources).
        builds.append(.init(level: 3) { LlamaSwiftKernelsV3.kernelSet(name: "x86-64-v3") })
    #endif
    #if canImport(LlamaSwiftKernelsV4)
        /// x86-64-v4: the v3 sources compiled for AVX-512 (F, BW, CD, DQ, VL) with VNNI: EVEX
        /// encodings, 32 vector registers, 512-bit vectors where LLVM vectorises plain loops.
        builds.append(.init(level: 4) { LlamaSwiftKernelsV4.kernelSet(name: "x86-64-v4") })
    #endif
    return KernelLevelBuilds(builds)
}()

/// The list above, unretained (it lives as long as the process), for the engine's weak
/// reference `lsk_kernel_level_builds` (CLlamaSwiftCPU/lsk_cpu.h). Not exported from
/// libllamaswift.so (exports.map keeps only llamaswift_*).
@_cdecl("lsk_kernel_level_builds")
public func kernelLevelBuilds() -> UnsafeRawPointer {
    UnsafeRawPointer(Unmanaged.passUnretained(linkedBuilds).toOpaque())
}
