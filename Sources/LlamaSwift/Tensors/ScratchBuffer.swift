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

/// A session's buffers for the activation rows of the next matmuls in each quantized
/// format (ActivationFormat), and the count of quantizations made, which stamps each
/// `Activations` value: a value is valid until the next `Matmul.quantize`, and
/// `Matmul.multiply` refuses a stale one (a precondition, not a silent reuse).
final class ActivationScratch {
    /// The buffers of one quantized format: per token `maxCols` int8 values and per block
    /// a scale, a scaled sum and an integer sum (per 16 values for q8Blocks256).
    struct Buffers {
        let values: ScratchBuffer<Int8>
        let scales: ScratchBuffer<Float>
        let scaledSums: ScratchBuffer<Float>
        let sums: ScratchBuffer<Int32>
        let format: ActivationFormat

        init(count n: Int, format: ActivationFormat) throws {
            self.format = format
            values = try ScratchBuffer(n, what: "quantized activations")
            scales = try ScratchBuffer(n / format.blockElements + 1, what: "activation scales")
            scaledSums = try ScratchBuffer(n / 32 + 1, what: "activation sums")
            sums = try ScratchBuffer(n / 16 + 1, what: "activation block sums")
        }

        var rows: QuantizedRows {
            QuantizedRows(
                format: format, values: values.pointer, scales: scales.pointer, scaledSums: scaledSums.pointer,
                sums: sums.pointer)
        }
    }

    let blocks32: Buffers
    let blocks256: Buffers
    let maxTokens: Int
    let maxCols: Int
    /// Quantizations made so far: the stamp of the newest Activations.
    var generation = 0

    init(maxTokens: Int, maxCols: Int) throws {
        let (n, o) = maxTokens.multipliedReportingOverflow(by: maxCols)
        guard !o else { throw LlamaError(.outOfMemory, "activation buffer size overflows") }
        blocks32 = try Buffers(count: n, format: .q8Blocks32)
        blocks256 = try Buffers(count: n, format: .q8Blocks256)
        self.maxTokens = maxTokens
        self.maxCols = maxCols
    }
}

/// Activation rows ready for the matmuls of the matrices they were quantized for
/// (Matmul.quantize): the float rows, and each quantized format those matrices read.
struct Activations {
    let floats: UnsafePointer<Float>
    let tokens: Int
    let cols: Int
    let blocks32: QuantizedRows?
    let blocks256: QuantizedRows?
    /// ActivationScratch.generation when these were made.
    let generation: Int

    func rows(_ format: ActivationFormat) -> QuantizedRows? {
        switch format {
        case .float: nil
        case .q8Blocks32: blocks32
        case .q8Blocks256: blocks256
        }
    }
}
