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
/// The baseline build is always here; the x86-64-v3 and v4 builds only in programs that
/// link the target LlamaSwiftKernelLevels (libllamaswift.so, the llamaswift programs, the
/// tests), which the engine finds through a weak symbol (KernelLevelBuilds): a package
/// that depends on the `LlamaSwift` product runs the baseline build.
extension KernelSet {
    static let active: KernelSet = {
        let forced = getenv("LLAMASWIFT_KERNELS").map { String(cString: $0) }
        if forced == "x86-64" { return base }
        let level = lsk_cpu_x86_level()
        let usable = levelBuilds.filter { $0.level <= level && !(forced == "x86-64-v3" && $0.level > 3) }
        return usable.last.map { $0.make() } ?? base
    }()

    /// Every build this CPU runs, lowest first (the tests compare each with `base`).
    static var runnable: [KernelSet] {
        let level = lsk_cpu_x86_level()
        return [base] + levelBuilds.filter { $0.level <= level }.map { $0.make() }
    }

    /// The CPU-level builds linked into this program (none without LlamaSwiftKernelLevels).
    static let levelBuilds: [KernelLevelBuilds.Build] = {
        guard let p = lsk_linked_kernel_level_builds() else { return [] }
        return Unmanaged<KernelLevelBuilds>.fromOpaque(p).takeUnretainedValue().builds
    }()

    /// Baseline x86-64 (SSE2), or the portable build on other architectures.
    static let base = LlamaSwiftKernels.kernelSet(name: lsk_cpu_x86_level() == 0 ? "portable" : "x86-64")
}

/// Which build of the kernels this process runs: "x86-64-v4", "x86-64-v3", "x86-64" or "portable".
public func kernelPathName() -> String { KernelSet.active.name }
