/// y = x · Wᵀ for `tokens` activation rows: `out[t·rows + r] = dot(W.row(r), x[t])`, in
/// two visible steps that the forward passes write out:
///
///     let h = matmul.quantize(xb, n, for: w.wq, w.wk, w.wv)   // once per input
///     matmul.multiply(w.wq, h, into: q)                        // once per matrix
///
/// A session owns one Matmul (its activation buffers and its thread pool).
/// `quantize` makes each 8-bit format the listed matrices' layouts read (ActivationFormat;
/// none for float weights) — once, however many matrices share the input. `multiply`
/// hands the matrix's layout (WeightLayout, chosen at load) its operands. An Activations
/// value is valid until the next `quantize` on the session: `multiply` checks its stamp.
///
/// Work is split across the pool by output rows, in units of `rowTile` (a multiple of
/// every layout's row group). Each output is computed by one thread with one fixed
/// summation order: results do not depend on the thread count, the batch size or the
/// tile shape.
final class Matmul {
    static let rowTile = 16
    static let inlineTokens = 8
    let scratch: ActivationScratch
    /// The session's pool (Session.setThreads replaces both).
    var pool: ThreadPool

    init(maxTokens: Int, maxCols: Int, pool: ThreadPool) throws {
        scratch = try ActivationScratch(maxTokens: maxTokens, maxCols: maxCols)
        self.pool = pool
    }

    /// Quantizes `tokens` rows at `x` (each as long as the matrices' rows) into every
    /// format that `a`, `b` and `c` read. Valid until the next `quantize`.
    func quantize(
        _ x: UnsafePointer<Float>, _ tokens: Int, for a: WeightMatrix, _ b: WeightMatrix? = nil,
        _ c: WeightMatrix? = nil
    )
        -> Activations
    {
        let cols = a.cols
        precondition(
            tokens <= scratch.maxTokens && a.cols <= scratch.maxCols, "activation rows exceed the scratch buffers")
        func needs(_ f: ActivationFormat) -> Bool {
            a.layout.activations == f || b?.layout.activations == f || c?.layout.activations == f
        }
        let blocks32 = needs(.q8Blocks32) ? quantize(x, tokens: tokens, cols: cols, into: scratch.blocks32) : nil
        let blocks256 = needs(.q8Blocks256) ? quantize(x, tokens: tokens, cols: cols, into: scratch.blocks256) : nil
        scratch.generation &+= 1
        return Activations(
            floats: x, tokens: tokens, cols: cols, blocks32: blocks32, blocks256: blocks256,
            generation: scratch.generation)
    }

    /// out[t·rows + r] = dot(row r of `w`, activation row t), for every row and token of `x`.
    func multiply(_ w: WeightMatrix, _ x: Activations, into out: UnsafeMutablePointer<Float>) {
        let layout = w.layout
        precondition(x.generation == scratch.generation, "'\(w.name)': activations quantized before a later quantize")
        precondition(x.cols == w.cols, "'\(w.name)': activation rows of \(x.cols), matrix rows of \(w.cols)")
        let quantized = x.rows(layout.activations)
        precondition(layout.activations == .float || quantized != nil, "'\(w.name)': not quantized for this matrix")
        let rows = w.rows
        let o = MatmulOperands(
            weights: w.data, type: w.type, rowBytes: w.rowBytes, cols: w.cols, rows: 0..<rows, tokens: x.tokens,
            floats: x.floats, quantized: quantized, out: out, outStride: rows)
        let multiply = layout.multiply
        pool.parallelFor(rows, granule: Self.rowTile) { range in
            var share = o
            share.rows = range
            multiply(share)
        }
    }

    /// The rows in one format, token by token across the pool.
    private func quantize(
        _ x: UnsafePointer<Float>, tokens: Int, cols: Int, into buffers: ActivationScratch.Buffers
    ) -> QuantizedRows {
        let format = buffers.format, nb = cols / format.blockElements
        let qs = buffers.values.pointer, d = buffers.scales.pointer
        let s = buffers.scaledSums.pointer, sums = buffers.sums.pointer
        let sumStride = format == .q8Blocks32 ? nb : cols / 16
        let k = KernelSet.active
        // A few rows (a decode step, a batched one) on the calling thread: waking the
        // pool costs more than quantizing them.
        let split: (Int, (Range<Int>) -> Void) -> Void = { n, body in
            if n <= Self.inlineTokens { body(0..<n) } else { self.pool.parallelFor(n, body) }
        }
        split(tokens) { range in
            for t in range {
                k.quantize(
                    format,
                    QuantizeOperands(
                        source: x + t * cols, count: cols, values: qs + t * cols, scales: d + t * nb,
                        scaledSums: s + t * (cols / 32), sums: sums + t * sumStride))
            }
        }
        return buffers.rows
    }
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
