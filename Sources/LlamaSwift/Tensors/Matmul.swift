/// y = x · Wᵀ for `tokens` activation rows: `out[t·rows + r] = dot(W.row(r), x[t])`, in
/// two visible steps that the forward passes write out:
///
///     let h = Matmul.quantize(x, …, for: wq, wk, wv)   // once per input
///     Matmul.multiply(wq, h, into: q, …)                // once per matrix
///
/// `quantize` makes each 8-bit format the listed matrices' layouts read (ActivationFormat;
/// none for float weights) — once, however many matrices share the input. `multiply`
/// hands the matrix's layout (WeightLayout, chosen at load) its operands. An Activations
/// value is valid until the next `quantize` on the session: `multiply` checks its stamp.
///
/// Work is split across the pool by output rows, in units of `rowTile` (a multiple of
/// every layout's row group). Each output is computed by one thread with one fixed
/// summation order: results do not depend on the thread count, the batch size or the
/// tile shape.
enum Matmul {
    static let rowTile = 16

    /// Quantizes `tokens` rows of `cols` floats at `x` into every format that `a`, `b`
    /// and `c` read.
    static func quantize(
        _ x: UnsafePointer<Float>, tokens: Int, cols: Int, for a: WeightMatrix, _ b: WeightMatrix? = nil,
        _ c: WeightMatrix? = nil, scratch: ActivationScratch, pool: ThreadPool
    ) -> Activations {
        precondition(tokens <= scratch.maxTokens && cols <= scratch.maxCols, "activation rows exceed the scratch buffers")
        func needs(_ f: ActivationFormat) -> Bool {
            a.layout.activations == f || b?.layout.activations == f || c?.layout.activations == f
        }
        let blocks32 = needs(.q8Blocks32) ? quantize(x, tokens: tokens, cols: cols, into: scratch.blocks32, pool: pool) : nil
        let blocks256 = needs(.q8Blocks256) ? quantize(x, tokens: tokens, cols: cols, into: scratch.blocks256, pool: pool) : nil
        scratch.generation &+= 1
        return Activations(
            floats: x, tokens: tokens, cols: cols, blocks32: blocks32, blocks256: blocks256, generation: scratch.generation)
    }

    /// out[t·rows + r] = dot(row r of `w`, activation row t), for every row and token of `x`.
    static func multiply(
        _ w: WeightMatrix, _ x: Activations, into out: UnsafeMutablePointer<Float>, scratch: ActivationScratch,
        pool: ThreadPool
    ) {
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
        pool.parallelFor(rows, granule: rowTile) { range in
            var share = o
            share.rows = range
            multiply(share)
        }
    }

    /// The rows in one format, token by token across the pool.
    private static func quantize(
        _ x: UnsafePointer<Float>, tokens: Int, cols: Int, into buffers: ActivationScratch.Buffers, pool: ThreadPool
    ) -> QuantizedRows {
        let format = buffers.format, nb = cols / format.blockElements
        let qs = buffers.values.pointer, d = buffers.scales.pointer
        let s = buffers.scaledSums.pointer, sums = buffers.sums.pointer
        let sumStride = format == .q8Blocks32 ? nb : cols / 16
        let k = KernelSet.active
        pool.parallelFor(tokens) { range in
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
