#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A growable array of plain values whose allocations can fail without ending the process.
///
/// Swift's `Array` traps when `malloc` fails; storage whose size follows the caller's input
/// (a text being tokenized, a chat being rendered) lives here instead, so that a request
/// too large for the memory at hand is `.outOfMemory`. Storage comes from `malloc`/`realloc`
/// and grows by half again; the element type must be trivial (no references), which
/// `BitwiseCopyable` guarantees. Indexing is unchecked apart from debug asserts: callers
/// index below `count`.
final class CheckedBuffer<Element: BitwiseCopyable> {
    /// The storage (nil before the first allocation); see `buffer` for its lifetime.
    // No dynamic exclusivity checks on these (they would cost half the tokenizer's time):
    // the buffer is only ever used by one call on one thread.
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<Element>?
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private(set) var capacity = 0

    // Not inlined, so instances are never promoted to the stack: with Swift 6.3 release
    // builds, stack-promoted instances in `encodeSentencePiece` were reported "deallocated
    // with non-zero retain count" at the end of their scope (debug builds and heap
    // instances are fine; not reduced further).
    @inline(never) init() {}

    @inline(never) init(capacity: Int) throws { try reserve(capacity) }

    deinit { free(base) }

    var isEmpty: Bool { count == 0 }

    /// Makes room for `n` elements in total (never shrinks).
    func reserve(_ n: Int) throws {
        guard n > capacity else { return }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard !overflow, let p = realloc(base, max(bytes, 1)) else {
            throw LlamaError(.outOfMemory, "cannot allocate \(n) × \(MemoryLayout<Element>.stride) bytes")
        }
        base = p.assumingMemoryBound(to: Element.self)
        capacity = n
    }

    @inline(__always)
    func append(_ e: Element) throws {
        if count == capacity { try reserve(capacity < 16 ? 16 : capacity + capacity / 2) }
        base.unsafelyUnwrapped[count] = e
        count &+= 1
    }

    @inline(__always)
    subscript(i: Int) -> Element {
        get {
            assert(i >= 0 && i < count)
            return base.unsafelyUnwrapped[i]
        }
        set {
            assert(i >= 0 && i < count)
            base.unsafelyUnwrapped[i] = newValue
        }
    }

    @inline(__always)
    func removeLast() -> Element {
        assert(count > 0)
        count &-= 1
        return base.unsafelyUnwrapped[count]
    }

    /// Keeps the first `n` elements.
    func truncate(to n: Int) {
        assert(n >= 0 && n <= count)
        count = n
    }

    func removeAll() { count = 0 }

    /// Gives the storage back (the buffer stays usable).
    func release() {
        free(base)
        base = nil
        count = 0
        capacity = 0
    }

    /// The elements in place. Valid only while this buffer is alive and not grown: a
    /// caller that keeps the pointer past its last use of the buffer object must hold the
    /// object with `withExtendedLifetime` (Swift may release it right after that use).
    var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }

    /// A fresh `Array` copy; only for results already bounded by the caller (it traps when
    /// `malloc` fails, as every `Array` does).
    func toArray() -> [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
