import CLlamaSwiftCPU

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the libc calls the engine makes, so that every failure becomes a
/// `LlamaError` with the errno text, and no call site handles errno itself.
enum Syscalls {
    static func errnoText(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }

    /// Monotonic clock in seconds (`clock_gettime(CLOCK_MONOTONIC)`).
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// `malloc` with a NULL check: Swift's own allocation traps on failure, which would
    /// take the host process down, so buffers sized by callers go through here.
    static func allocate<T>(_ type: T.Type, count: Int, what: String) throws -> UnsafeMutablePointer<T> {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow, let raw = malloc(max(bytes, 1)) else {
            throw LlamaError(.outOfMemory, "cannot allocate \(count) × \(MemoryLayout<T>.stride) bytes for \(what)")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Zero-filled variant of `allocate` (`calloc`).
    static func allocateZeroed<T>(_ type: T.Type, count: Int, what: String) throws -> UnsafeMutablePointer<T> {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow, let raw = calloc(1, max(bytes, 1)) else {
            throw LlamaError(.outOfMemory, "cannot allocate \(count) × \(MemoryLayout<T>.stride) bytes for \(what)")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// CPUs this process may run on (`sched_getaffinity`; a container or `taskset` may
    /// allow fewer than are online), at least 1.
    static func usableCPUs() -> Int { Int(lsk_usable_cpus()) }

    static func deallocate<T>(_ p: UnsafeMutablePointer<T>?) {
        free(p)
    }
}
