/// The builds of the kernels that a program carries besides the engine's -O baseline (the
/// -Ounchecked baseline, x86-64-v3, x86-64-v4), for the engine to choose from at load time.
///
/// Those builds need compiler flags SwiftPM calls unsafe (`-Xcc -march=…`, `-Ounchecked`),
/// and SwiftPM refuses a versioned dependency whose product reaches a target with unsafe
/// flags. So the engine does not depend on them: the target LlamaSwiftKernelLevels, which
/// only this package's own products link (libllamaswift.so, the programs, the tests),
/// defines the C symbol `lsk_kernel_level_builds` returning one of these lists, and the
/// engine reads it through a weak reference (CLlamaSwiftCPU's
/// `lsk_linked_kernel_level_builds`, NULL when the program does not link the target: the
/// Swift package product `LlamaSwift` then runs the baseline build).
public final class KernelLevelBuilds: Sendable {
    /// One build: the `lsk_cpu_x86_level()` it needs (0: any CPU) and how to make its table (called
    /// only on a CPU of that level: its code may use that level's instructions).
    public struct Build: Sendable {
        public let level: Int32
        public let make: @Sendable () -> KernelSet
        public init(level: Int32, make: @escaping @Sendable () -> KernelSet) {
            self.level = level
            self.make = make
        }
    }

    /// Lowest level first.
    public let builds: [Build]

    public init(_ builds: [Build]) { self.builds = builds.sorted { $0.level < $1.level } }
}
