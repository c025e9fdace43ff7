import Testing
import CLlamaSwiftCPU
import LlamaSwiftFormats
import LlamaSwiftKernels
@testable import LlamaSwiftEngine

/// Q4_1 in groups of 8 rows: every kernel build equals, bit for bit, a plain loop over the
/// file's layout in the documented order (per block the exact integer Σ n·x, then
/// acc = fma(Float(isum), d_w·d_a, acc) and acc = fma(m_w, s_a, acc), s_a the activations'
/// half-rounded d·Σx), for decode
/// and prefill token counts and for row ranges that start past the first group; and the
/// sums stay close to the file-order kernels' (llama.cpp's order).
@Suite struct Q4_1GroupsTests {
    /// The documented order on the file's rows (20-byte blocks: half d, half m, 16 bytes).
    static func reference(
        _ w: [UInt8], rowBytes: Int, row: Int, _ x: ArraySlice<Int8>, _ d: ArraySlice<Float>, _ s: ArraySlice<Float>
    ) -> Float {
        var acc: Float = 0
        for b in 0..<(rowBytes / 20) {
            let blk = row * rowBytes + 20 * b
            var isum: Int32 = 0
            for i in 0..<16 {
                let q = w[blk + 4 + i]
                isum += Int32(q & 0xF) * Int32(x[x.startIndex + 32 * b + i])
                isum += Int32(q >> 4) * Int32(x[x.startIndex + 32 * b + 16 + i])
            }
            let dw = halfToFloat(UInt16(w[blk]) | UInt16(w[blk + 1]) << 8)
            let mw = halfToFloat(UInt16(w[blk + 2]) | UInt16(w[blk + 3]) << 8)
            let da = d[d.startIndex + b]
            acc.addProduct(Float(isum), dw * da)
            acc.addProduct(mw, s[s.startIndex + b])
        }
        return acc
    }

    @Test(arguments: [32, 64, 96, 576, 2048])
    func kernelsEqualReference(cols: Int) {
        var rng = KernelTests.Rng(s: UInt64(cols) &* 37 &+ 3)
        let kernels = KernelSet.runnable.map { ($0.name, $0.layout(named: Q4_1Groups.layout.name)) }
        let nb = cols / 32, rowBytes = 20 * nb
        var compared = 0
        for (rows, tokens) in [(8, 1), (16, 1), (24, 2), (8, 4), (16, 5), (24, 9)] {
            let w = KernelTests().randomRows(type: (3, 20), rows: rows, cols: cols, rng: &rng)
            var x = (0..<(tokens * cols)).map { _ in rng.float() * 4 }
            // ±127 in every block: the 16-bit pair sums reach their largest magnitudes.
            for i in stride(from: 0, to: x.count, by: 32) { x[i + Int(rng.next() % 32)] = rng.next() % 2 == 0 ? 9 : -9 }
            let (qs, d, s, _) = KernelTests.q8Sums(x, tokens: tokens, cols: cols)
            var want = [Float](repeating: 0, count: tokens * rows)
            for t in 0..<tokens {
                for r in 0..<rows {
                    want[t * rows + r] = Self.reference(
                        w, rowBytes: rowBytes, row: r, qs[(t * cols)..<((t + 1) * cols)], d[(t * nb)..<((t + 1) * nb)],
                        s[(t * nb)..<((t + 1) * nb)])
                }
            }
            var packed = [UInt8](repeating: 0, count: w.count)
            w.withUnsafeBytes { wp in
                packed.withUnsafeMutableBytes { pp in
                    Q4_1Groups.pack(wp.baseAddress!, pp.baseAddress!, rows: rows, rowBytes: rowBytes)
                }
            }
            #expect(packed.sorted() == w.sorted())  // a permutation of the bytes
            if cols > 32 { #expect(packed != w) }
            // The file-order kernels (llama.cpp's summation order) on the same operands: the
            // two orders agree to float rounding.
            var fileOrder = [Float](repeating: .nan, count: tokens * rows)
            w.withUnsafeBytes { wp in
                Q32Tiles.rowsLayout.callMultiply(
                    wp.baseAddress!, type: .q4_1, cols: cols, rows: 0..<rows, tokens: tokens, values: qs, scales: d,
                    scaledSums: s, out: &fileOrder, outStride: rows)
            }
            for i in want.indices {
                #expect(
                    abs(want[i] - fileOrder[i]) <= 1e-3 * max(1, abs(want[i])), "\(i): \(want[i]) vs \(fileOrder[i])")
            }
            for (name, k) in kernels {
                for lo in Set([0, rows > 8 ? 8 : 0]) {
                    var got = [Float](repeating: .nan, count: tokens * rows)
                    packed.withUnsafeBytes { pp in
                        k.callMultiply(
                            pp.baseAddress!, type: .q4_1, cols: cols, rows: lo..<rows, tokens: tokens, values: qs,
                            scales: d, scaledSums: s, out: &got, outStride: rows)
                    }
                    for t in 0..<tokens {
                        for r in lo..<rows {
                            let (g, e) = (got[t * rows + r], want[t * rows + r])
                            #expect(
                                g.bitPattern == e.bitPattern,
                                "\(name) q4_1 cols \(cols) rows \(rows) tokens \(tokens) r \(r) t \(t): \(g) vs \(e)")
                            compared += 1
                        }
                        for r in 0..<lo { #expect(got[t * rows + r].isNaN, "row \(r) outside the range was written") }
                    }
                }
            }
        }
        #expect(compared >= KernelSet.runnable.count * (8 + 16 + 48 + 32 + 80 + 216))
        #expect(KernelSet.runnable.count >= (lsk_cpu_x86_level() >= 3 ? 2 : 1))
    }
}
