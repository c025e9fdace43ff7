import LlamaSwiftKernels

/// y = x · Wᵀ for `tokens` activation rows: `out[t·rows + r] = dot(W.row(r), x[t])`.
///
/// Quantized weights: the activations are quantized to 8 bits once per matmul (and
/// reused by the next matmul on the same input, e.g. Q, K and V), then each output is an
/// integer-block dot product. Float weights (F32/F16/BF16) multiply float activations.
///
/// Work is split across the pool by output rows; within a worker, rows are taken in
/// tiles of 16 and every token is multiplied with a tile while it is in cache, so each
/// weight block is read from memory once per tile of tokens (prefill), and exactly once
/// per token in decode. Each output is computed by one thread with one fixed summation
/// order: results do not depend on the thread count.
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
        let type = w.type.rawValue
        switch type {
        case 0, 1, 30:
            let kernel: (UnsafeRawPointer, UnsafePointer<Float>, Int) -> Float =
                type == 0 ? FloatDot.f32 : type == 1 ? FloatDot.f16 : FloatDot.bf16
            tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in
                kernel(w.row(r), x + t * cols, cols)
            }
        case 2, 3, 6, 7, 8:
            quantize(x, tokens: tokens, cols: cols, format: .q8, acts: acts, pool: pool)
            let qs = UnsafePointer(acts.qs.pointer), d = UnsafePointer(acts.d.pointer), s = UnsafePointer(acts.s.pointer)
            let nb = cols / 32
            switch type {
            case 2: tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in QuantDotLanes.q4_0(w.row(r), qs + t * cols, d + t * nb, nb) }
            case 3: tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in QuantDotLanes.q4_1(w.row(r), qs + t * cols, d + t * nb, s + t * nb, nb) }
            case 6: tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in QuantDotLanes.q5_0(w.row(r), qs + t * cols, d + t * nb, nb) }
            case 7: tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in QuantDotLanes.q5_1(w.row(r), qs + t * cols, d + t * nb, s + t * nb, nb) }
            default: tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in QuantDotLanes.q8_0(w.row(r), qs + t * cols, d + t * nb, nb) }
            }
        default:  // 12, 13, 14: K-quants (the loader admits no other type)
            quantize(x, tokens: tokens, cols: cols, format: .q8K, acts: acts, pool: pool)
            let qs = UnsafePointer(acts.qs.pointer), d = UnsafePointer(acts.d.pointer)
            let bs = UnsafePointer(acts.bsums.pointer)
            let nb = cols / 256
            if type == 14 {
                tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in QuantDot.q6_K(w.row(r), qs + t * cols, d + t * nb, nb) }
            } else {
                let five = type == 13
                tiled(rows: rows, tokens: tokens, pool: pool, out: out) { r, t in
                    QuantDot.q45_K(w.row(r), qs + t * cols, d + t * nb, bs + t * nb * 16, nb, five: five)
                }
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
        pool.parallelFor(tokens) { range in
            for t in range {
                if format == .q8 {
                    ActivationQuantize.q8(x + t * cols, cols, qs + t * cols, d + t * (cols / 32), s + t * (cols / 32))
                } else {
                    ActivationQuantize.q8K(x + t * cols, cols, qs + t * cols, d + t * (cols / 256), bs + t * (cols / 16))
                }
            }
        }
        acts.source = x
        acts.format = format
        acts.cols = cols
        acts.tokens = tokens
    }

    @inline(__always)
    static func tiled(
        rows: Int, tokens: Int, pool: ThreadPool, out: UnsafeMutablePointer<Float>, _ dot: (Int, Int) -> Float
    ) {
        pool.parallelFor(rows, granule: rowTile) { range in
            var r0 = range.lowerBound
            while r0 < range.upperBound {
                let r1 = min(r0 + rowTile, range.upperBound)
                for t in 0..<tokens {
                    let o = out + t * rows
                    for r in r0..<r1 { o[r] = dot(r, t) }
                }
                r0 = r1
            }
        }
    }
}
