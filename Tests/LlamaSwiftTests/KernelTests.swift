import Testing
import LlamaSwiftFormats
import LlamaSwiftKernels

/// The fast tiled kernels against the per-row reference kernels (Q32Reference), bit for
/// bit, for every 32-element block type, many row counts, token counts and widths —
/// and the reference against plain dequantize-then-dot (close, not equal: the
/// activations are quantized).
@Suite struct KernelTests {
    struct Rng {
        var s: UInt64
        mutating func next() -> UInt64 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return s >> 11
        }
        mutating func float() -> Float { Float(next() % 20001) / 10000 - 1 }
    }

    /// `tokens` rows of `cols` activations quantized to 8 bits (ActivationQuantize.q8):
    /// the values, per-32 scales and scaled sums.
    static func q8(_ x: [Float], tokens: Int, cols: Int) -> ([Int8], [Float], [Float]) {
        let (qs, d, s, _) = q8Sums(x, tokens: tokens, cols: cols)
        return (qs, d, s)
    }

    /// The same, with the integer block sums.
    static func q8Sums(_ x: [Float], tokens: Int, cols: Int) -> ([Int8], [Float], [Float], [Int32]) {
        var qs = [Int8](repeating: 0, count: tokens * cols)
        var d = [Float](repeating: 0, count: tokens * cols / 32)
        var s = [Float](repeating: 0, count: tokens * cols / 32)
        var sums = [Int32](repeating: 0, count: tokens * cols / 32)
        for t in 0..<tokens {
            x.withUnsafeBufferPointer { xp in
                ActivationQuantize.q8(
                    xp.baseAddress! + t * cols, cols, &qs[t * cols], &d[t * cols / 32], &s[t * cols / 32],
                    &sums[t * cols / 32])
            }
        }
        return (qs, d, s, sums)
    }

    static let types: [(id: UInt32, bytes: Int)] = [(2, 18), (3, 20), (6, 22), (7, 24), (8, 34)]

    /// `tokens` rows of `cols` random activations (one block's extreme negative)
    /// quantized to Q8_K (ActivationQuantize.q8K): values, scales, sums of 16.
    static func randomQ8K(tokens: Int, cols: Int, rng: inout Rng) -> ([Int8], [Float], [Int32]) {
        let nb = cols / 256
        var x = (0..<(tokens * cols)).map { _ in rng.float() * 3 }
        x[Int(rng.next() % UInt64(x.count))] = -7
        var qs = [Int8](repeating: 0, count: tokens * cols)
        var d = [Float](repeating: 0, count: tokens * nb)
        var bs = [Int32](repeating: 0, count: tokens * nb * 16)
        for t in 0..<tokens {
            x.withUnsafeBufferPointer { xp in
                ActivationQuantize.q8K(xp.baseAddress! + t * cols, cols, &qs[t * cols], &d[t * nb], &bs[t * nb * 16])
            }
        }
        return (qs, d, bs)
    }

    /// `count` random K-quant blocks of `bytes` bytes whose half scales (at `halves`) are
    /// sane (random bytes could be NaN or inf).
    static func randomKBlocks(count: Int, bytes: Int, halves: [Int], rng: inout Rng) -> [UInt8] {
        var w = (0..<(count * bytes)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for blk in 0..<count {
            for off in halves {
                let h = floatToHalf(rng.float() * 0.02)
                w[blk * bytes + off] = UInt8(h & 0xFF)
                w[blk * bytes + off + 1] = UInt8(h >> 8)
            }
        }
        return w
    }

    /// Random blocks whose half scales are sane (random bytes could be NaN or inf).
    func randomRows(type: (id: UInt32, bytes: Int), rows: Int, cols: Int, rng: inout Rng) -> [UInt8] {
        var w = (0..<(rows * cols / 32 * type.bytes)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for b in 0..<(rows * cols / 32) {
            let d = floatToHalf(rng.float() * 0.05)
            w[b * type.bytes] = UInt8(d & 0xFF)
            w[b * type.bytes + 1] = UInt8(d >> 8)
            if type.id == 3 || type.id == 7 {
                let m = floatToHalf(rng.float() * 0.1)
                w[b * type.bytes + 2] = UInt8(m & 0xFF)
                w[b * type.bytes + 3] = UInt8(m >> 8)
            }
        }
        return w
    }

    @Test(arguments: [32, 64, 160, 576])
    func tilesEqualTheReferenceBitForBit(cols: Int) {
        var rng = Rng(s: UInt64(cols))
        for type in Self.types {
            for (rows, tokens) in [(1, 1), (3, 1), (4, 1), (9, 1), (5, 2), (8, 3), (13, 5)] {
                let w = randomRows(type: type, rows: rows, cols: cols, rng: &rng)
                let x = (0..<(tokens * cols)).map { _ in rng.float() * 3 }
                let (qs, d, s) = KernelTests.q8(x, tokens: tokens, cols: cols)
                var fast = [Float](repeating: .nan, count: tokens * rows)
                w.withUnsafeBytes { wp in
                    Q32Tiles.rowsLayout.callMultiply(
                        wp.baseAddress!, type: WeightType(rawValue: type.id)!, cols: cols, rows: 0..<rows,
                        tokens: tokens,
                        values: qs, scales: d, scaledSums: s, out: &fast, outStride: rows)
                }
                let nb = cols / 32
                for t in 0..<tokens {
                    for r in 0..<rows {
                        let ref: Float = w.withUnsafeBytes { wp in
                            let row = wp.baseAddress! + r * nb * type.bytes
                            let a = qs.withUnsafeBufferPointer { $0.baseAddress! + t * cols }
                            let dd = d.withUnsafeBufferPointer { $0.baseAddress! + t * nb }
                            let ss = s.withUnsafeBufferPointer { $0.baseAddress! + t * nb }
                            switch type.id {
                            case 2: return Q32Reference.q4_0(row, a, dd, nb)
                            case 3: return Q32Reference.q4_1(row, a, dd, ss, nb)
                            case 6: return Q32Reference.q5_0(row, a, dd, nb)
                            case 7: return Q32Reference.q5_1(row, a, dd, ss, nb)
                            default: return Q32Reference.q8_0(row, a, dd, nb)
                            }
                        }
                        #expect(
                            fast[t * rows + r].bitPattern == ref.bitPattern,
                            "type \(type.id) cols \(cols) rows \(rows) tokens \(tokens) at (\(t), \(r)): \(fast[t * rows + r]) vs \(ref)"
                        )
                        // And the reference is a dot product of the dequantized row.
                        var deq = [Float](repeating: 0, count: cols)
                        w.withUnsafeBytes {
                            Dequantize.row(
                                WeightType(rawValue: type.id)!, $0.baseAddress! + r * nb * type.bytes, &deq, cols)
                        }
                        // Rounding each activation to 1/254 of its block's largest magnitude
                        // (plus the half-precision scale) bounds the difference.
                        var exact: Float = 0, bound: Float = 1e-4
                        for b in 0..<nb {
                            var amax: Float = 0
                            for i in 0..<32 { amax = max(amax, abs(x[t * cols + 32 * b + i])) }
                            for i in (32 * b)..<(32 * b + 32) {
                                exact += deq[i] * x[t * cols + i]
                                bound += abs(deq[i]) * (amax / 254 + abs(x[t * cols + i]) * 1e-3)
                            }
                        }
                        #expect(abs(ref - exact) <= bound, "type \(type.id): \(ref) vs float \(exact) (bound \(bound))")
                    }
                }
            }
        }
    }
}
