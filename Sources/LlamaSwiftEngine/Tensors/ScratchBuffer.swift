/// A malloc'ed buffer of `count` elements owned by a session, freed with it. Sizes come
/// from caller-chosen parameters (n_ctx, n_batch), so allocation failure must be an
/// OUT_OF_MEMORY error, not a trap: hence malloc with a NULL check (Syscalls.allocate).
final class ScratchBuffer<T> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(_ count: Int, what: String) throws {
        pointer = try Syscalls.allocateZeroed(T.self, count: count, what: what)
        self.count = count
    }

    deinit { Syscalls.deallocate(pointer) }
}
