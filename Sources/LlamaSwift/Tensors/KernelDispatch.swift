import CLlamaSwiftCPU
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
@_exported import LlamaSwiftFormats
import LlamaSwiftKernels
#if canImport(LlamaSwiftKernelsV3)
    import LlamaSwiftKernelsV3
#endif
#if canImport(LlamaSwiftKernelsV4)
    import LlamaSwiftKernelsV4
#endif

/// The builds of the kernel sources this library carries (see KernelSet), and the one
/// this process runs: the highest level the CPU and OS support, unless
/// LLAMASWIFT_KERNELS names a lower one ("x86-64" or "x86-64-v3"; to test that every
/// build computes the same bits, or to compare their speed).
extension KernelSet {
    static let active: KernelSet = {
        let level = lsk_cpu_x86_level()
        let forced = getenv("LLAMASWIFT_KERNELS").map { String(cString: $0) }
        if forced == "x86-64" { return base }
        #if canImport(LlamaSwiftKernelsV4)
            if level >= 4 && forced != "x86-64-v3" { return v4 }
        #endif
        #if canImport(LlamaSwiftKernelsV3)
            if level >= 3 { return v3 }
        #endif
        return base
    }()

    /// Every build this CPU runs, lowest first (the tests compare each with `base`).
    static var runnable: [KernelSet] {
        var all = [base]
        #if canImport(LlamaSwiftKernelsV3)
            if lsk_cpu_x86_level() >= 3 { all.append(v3) }
        #endif
        #if canImport(LlamaSwiftKernelsV4)
            if lsk_cpu_x86_level() >= 4 { all.append(v4) }
        #endif
        return all
    }

    /// Baseline x86-64 (SSE2), or the portable build on other architectures.
    static let base = LlamaSwiftKernels.kernelSet(name: lsk_cpu_x86_level() == 0 ? "portable" : "x86-64")

    #if canImport(LlamaSwiftKernelsV3)
        /// x86-64-v3: AVX2, FMA, F16C (the AVX2 intrinsics of the kernel sources).
        static let v3 = LlamaSwiftKernelsV3.kernelSet(name: "x86-64-v3")
    #endif

    #if canImport(LlamaSwiftKernelsV4)
        /// x86-64-v4: the v3 sources compiled for AVX-512 (F, BW, CD, DQ, VL): EVEX encodings,
        /// 32 vector registers, 512-bit vectors where LLVM vectorises plain loops.
        static let v4 = LlamaSwiftKernelsV4.kernelSet(name: "x86-64-v4")
    #endif
}

/// Which build of the kernels this process runs: "x86-64-v4", "x86-64-v3", "x86-64" or "portable".
public func kernelPathName() -> String { KernelSet.active.name }
