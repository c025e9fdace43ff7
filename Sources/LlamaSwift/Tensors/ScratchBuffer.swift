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

/// Activations quantized to 8 bits for one matmul (see ActivationQuantize): per token,
/// `cols` int8 values, per 32 a scale `d` and scaled sum `s`, or per 256 a scale in `d`
/// and per 16 an integer sum in `bsums`.
final class QuantizedActivations {
    enum Format { case none, q8, q8K }
    let qs: ScratchBuffer<Int8>
    let d: ScratchBuffer<Float>
    let s: ScratchBuffer<Float>
    let bsums: ScratchBuffer<Int32>
    let maxCols: Int
    var format: Format = .none
    var cols = 0
    /// The activation rows these values were made from (to reuse them across matmuls).
    var source: UnsafePointer<Float>?
    var tokens = 0

    init(maxTokens: Int, maxCols: Int) throws {
        let (n, o) = maxTokens.multipliedReportingOverflow(by: maxCols)
        guard !o else { throw LlamaError(.outOfMemory, "activation buffer size overflows") }
        qs = try ScratchBuffer(n, what: "quantized activations")
        d = try ScratchBuffer(n / 32 + 1, what: "activation scales")
        s = try ScratchBuffer(n / 32 + 1, what: "activation sums")
        bsums = try ScratchBuffer(n / 16 + 1, what: "activation block sums")
        self.maxCols = maxCols
    }
}
