import LlamaSwiftKernels

/// y = x · Wᵀ for `tokens` activation rows: `out[t·rows + r] = dot(W.row(r), x[t])`.
///
/// Quantized weights: the activations are quantized to 8 bits once per matmul (and
/// reused by the next matmul on the same input, e.g. Q, K and V), then each output is an
/// integer-block dot product. Float weights (F32/F16/BF16) multiply float activations.
///
/// Work is split across the pool by output rows (in units of 16). Each worker hands its
/// row range to a tile kernel (KernelSet, chosen for the CPU). Q4_0, Q5_0, Q4_K and Q6_K
/// matrices in groups of 8 rows (Q4_0Groups, Q5_0Groups, Q4_KGroups, Q6_KGroups) are
/// summed 8 rows per instruction, 1 or 4 tokens per pass. The
/// other 32-element types: decode runs one row per pass, or 4 interleaved rows (one
/// sequential stream of weights: see QuantTiles.run); prefill runs tiles of 4 rows × 2
/// tokens, so each weight block is decoded once per pair of tokens and stays in L1.
/// Each output is computed by one thread with one fixed summation order: results do not
/// depend on the thread count, the batch size or the tile shape.
enum Matmul {
    static let rowTile = 16

    static func multiply(
        _ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, into out: UnsafeMutablePointer<Float>,
        acts: QuantizedActivations, pool: ThreadPool, reuse: Bool
    ) {
        // The activation rows changed since the last matmul unless the caller says so.
        if !reuse { acts.source = nil }
        let cols = w.cols
        let rows = w.rows
        let rowBytes = w.rowBytes
        let data = w.data
        let type = w.type.rawValue
        let k = KernelSet.active
        switch type {
        case 0, 1, 30:
            pool.parallelFor(rows, granule: rowTile) { range in
                k.float(Int(type), data, rowBytes, range, tokens, x, cols, out, rows)
            }
        case 2, 3, 6, 7, 8:
            quantize(x, tokens: tokens, cols: cols, format: .q8, acts: acts, pool: pool)
            let qs = UnsafePointer(acts.qs.pointer), d = UnsafePointer(acts.d.pointer), s = UnsafePointer(acts.s.pointer)
            if w.layout == .q4_0Groups || w.layout == .q5_0Groups {
                // Ranges are whole groups: the granule and the row count are multiples of 8.
                let sums = UnsafePointer(acts.bsums.pointer)
                let groups = w.layout == .q4_0Groups ? k.q4_0Groups : k.q5_0Groups
                pool.parallelFor(rows, granule: rowTile) { range in
                    groups(data, rowBytes, range, tokens, qs, d, sums, cols, out, rows)
                }
                return
            }
            let tiles = type == 2 ? k.q4_0 : type == 3 ? k.q4_1 : type == 6 ? k.q5_0 : type == 7 ? k.q5_1 : k.q8_0
            let interleaved = w.layout == .interleaved4
            pool.parallelFor(rows, granule: rowTile) { range in
                tiles(data, rowBytes, range, tokens, qs, d, s, cols, out, rows, interleaved)
            }
        default:  // 12, 13, 14: K-quants (the loader admits no other type)
            quantize(x, tokens: tokens, cols: cols, format: .q8K, acts: acts, pool: pool)
            let qs = UnsafePointer(acts.qs.pointer), d = UnsafePointer(acts.d.pointer)
            let bs = UnsafePointer(acts.bsums.pointer)
            let tiles =
                w.layout == .q4_KGroups ? k.q4_KGroups : w.layout == .q6_KGroups ? k.q6_KGroups
                : type == 12 ? k.q4_K : type == 13 ? k.q5_K : k.q6_K
            pool.parallelFor(rows, granule: rowTile) { range in
                tiles(data, rowBytes, range, tokens, qs, d, bs, cols, out, rows)
            }
        }
    }

    /// Quantizes `tokens` rows of `cols` floats unless the buffer already holds exactly
    /// these rows in this format.
    static func quantize(
        _ x: UnsafePointer<Float>, tokens: Int, cols: Int, format: QuantizedActivations.Format,
        acts: QuantizedActivations, pool: ThreadPool
    ) {
        if acts.source == x && acts.format == format && acts.cols == cols && acts.tokens == tokens { return }
        let qs = acts.qs.pointer, d = acts.d.pointer, s = acts.s.pointer, bs = acts.bsums.pointer
        let k = KernelSet.active
        pool.parallelFor(tokens) { range in
            for t in range {
                if format == .q8 {
                    k.quantizeQ8(x + t * cols, cols, qs + t * cols, d + t * (cols / 32), s + t * (cols / 32), bs + t * (cols / 32))
                } else {
                    k.quantizeQ8K(x + t * cols, cols, qs + t * cols, d + t * (cols / 256), bs + t * (cols / 16))
                }
            }
        }
        acts.source = x
        acts.format = format
        acts.cols = cols
        acts.tokens = tokens
    }
}
