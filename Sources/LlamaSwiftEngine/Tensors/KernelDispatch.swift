import CLlamaSwiftCPU
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
@_exported import LlamaSwiftFormats
import LlamaSwiftKernels

/// The builds of the kernel sources this program carries (see KernelSet), and the one
/// this process runs: the highest level the CPU and OS support, unless
/// LLAMASWIFT_KERNELS names a lower one ("x86-64" or "x86-64-v3"; to test that every
/// build computes the same bits, or to compare their speed).
///
/// The baseline build (-O) is always here; programs that link the target
/// LlamaSwiftKernelLevels (libllamaswift.so, the llamaswift programs, the tests), which the
/// engine finds through a weak symbol (KernelLevelBuilds), also carry the baseline built
/// -Ounchecked (level 0, run instead of this one) and the x86-64-v3 and v4 builds. A
/// package that depends on the `LlamaSwift` product runs the -O baseline.
extension KernelSet {
    static let active: KernelSet = {
        let forced = getenv("LLAMASWIFT_KERNELS").map { String(cString: $0) }
        var level = lsk_cpu_x86_level()
        if forced == "x86-64" { level = min(level, 1) }
        if forced == "x86-64-v3" { level = min(level, 3) }
        return levelBuilds.last { $0.level <= level }.map { $0.make() } ?? base
    }()

    /// Every build this CPU runs, lowest first (the tests compare each with `base`, the -O
    /// baseline; with LlamaSwiftKernelLevels linked the -Ounchecked baseline follows it).
    static var runnable: [KernelSet] {
        let level = lsk_cpu_x86_level()
        return [base] + levelBuilds.filter { $0.level <= level }.map { $0.make() }
    }

    /// The builds linked into this program, lowest level first (none without LlamaSwiftKernelLevels).
    static let levelBuilds: [KernelLevelBuilds.Build] = {
        guard let p = lsk_linked_kernel_level_builds() else { return [] }
        return Unmanaged<KernelLevelBuilds>.fromOpaque(p).takeUnretainedValue().builds
    }()

    /// Baseline x86-64 (SSE2), or the portable build on other architectures.
    static let base = LlamaSwiftKernels.kernelSet(name: lsk_cpu_x86_level() == 0 ? "portable" : "x86-64")
}

/// Which build of the kernels this process runs: "x86-64-v4", "x86-64-v3", "x86-64" or "portable".
public func kernelPathName() -> String { KernelSet.active.name }
