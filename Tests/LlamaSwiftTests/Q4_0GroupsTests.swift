import Testing
import CLlamaSwiftCPU
import LlamaSwiftFormats
import LlamaSwiftKernels
@testable import LlamaSwiftEngine

/// Q4_0 and Q5_0 in groups of 8 rows: every kernel build equals, bit for bit, a plain loop
/// over the file's layout in the documented order (per block the exact integer Σ(n − 8)·x
/// or Σ(u − 16)·x, then
/// acc = fma(Float(isum), d_w·d_a, acc)), for decode and prefill token counts and for
/// row ranges that start past the first group.
@Suite struct Q4_0GroupsTests {
    /// The documented order, on the file's row layout: Q4_0 (18-byte blocks) or Q5_0 (22).
    static func reference(
        _ w: [UInt8], rowBytes: Int, row: Int, _ x: ArraySlice<Int8>, _ d: ArraySlice<Float>, five: Bool = false
    ) -> Float {
        let bytes = five ? 22 : 18, qsAt = five ? 6 : 2
        var acc: Float = 0
        for b in 0..<(rowBytes / bytes) {
            let blk = row * rowBytes + bytes * b
            let qh = five ? (0..<4).reduce(UInt32(0)) { $0 | UInt32(w[blk + 2 + $1]) << (8 * UInt32($1)) } : 0
            var isum: Int32 = 0
            for i in 0..<16 {
                let q = w[blk + qsAt + i]
                let lo = Int32(q & 0xF) | (five ? Int32((qh >> UInt32(i)) & 1) << 4 : 0)
                let hi = Int32(q >> 4) | (five ? Int32((qh >> UInt32(16 + i)) & 1) << 4 : 0)
                let offset: Int32 = five ? 16 : 8
                isum += (lo - offset) * Int32(x[x.startIndex + 32 * b + i])
                isum += (hi - offset) * Int32(x[x.startIndex + 32 * b + 16 + i])
            }
            let dw = halfToFloat(UInt16(w[blk]) | UInt16(w[blk + 1]) << 8)
            acc.addProduct(Float(isum), dw * d[d.startIndex + b])
        }
        return acc
    }

    @Test(arguments: [(32, false), (64, false), (96, false), (2048, false), (32, true), (96, true), (2048, true)])
    func kernelsEqualReference(cols: Int, five: Bool) {
        var rng = KernelTests.Rng(s: UInt64(cols) &* 31 &+ (five ? 6 : 5))
        let kernels = KernelSet.runnable.map {
            ($0.name, $0.layout(named: (five ? Q5_0Groups.layout : Q4_0Groups.layout).name))
        }
        let bytes = five ? 22 : 18
        let nb = cols / 32, rowBytes = bytes * nb
        var compared = 0
        for (rows, tokens) in [(8, 1), (16, 1), (24, 2), (8, 4), (16, 5), (24, 9)] {
            let w = KernelTests().randomRows(type: five ? (6, 22) : (2, 18), rows: rows, cols: cols, rng: &rng)
            var x = (0..<(tokens * cols)).map { _ in rng.float() * 4 }
            // ±127 in every block: the 16-bit pair sums reach their largest magnitudes.
            for i in stride(from: 0, to: x.count, by: 32) { x[i + Int(rng.next() % 32)] = rng.next() % 2 == 0 ? 9 : -9 }
            let (qs, d, _, sums) = KernelTests.q8Sums(x, tokens: tokens, cols: cols)
            var want = [Float](repeating: 0, count: tokens * rows)
            for t in 0..<tokens {
                for r in 0..<rows {
                    want[t * rows + r] = Self.reference(
                        w, rowBytes: rowBytes, row: r, qs[(t * cols)..<((t + 1) * cols)], d[(t * nb)..<((t + 1) * nb)],
                        five: five)
                }
            }
            var packed = [UInt8](repeating: 0, count: w.count)
            w.withUnsafeBytes { wp in
                packed.withUnsafeMutableBytes { pp in
                    if five {
                        Q5_0Groups.pack(wp.baseAddress!, pp.baseAddress!, rows: rows, rowBytes: rowBytes)
                    } else {
                        Q4_0Groups.pack(wp.baseAddress!, pp.baseAddress!, rows: rows, rowBytes: rowBytes)
                    }
                }
            }
            if !five { #expect(packed.sorted() == w.sorted()) }  // a permutation of the bytes (Q5_0's bits move within bytes)
            if cols > 32 { #expect(packed != w) }
            for (name, k) in kernels {
                // The whole matrix, and the groups after the first (as a second thread runs them).
                for lo in Set([0, rows > 8 ? 8 : 0]) {
                    var got = [Float](repeating: .nan, count: tokens * rows)
                    packed.withUnsafeBytes { pp in
                        k.callMultiply(
                            pp.baseAddress!, type: five ? .q5_0 : .q4_0, cols: cols, rows: lo..<rows, tokens: tokens,
                            values: qs,
                            scales: d, sums: sums, out: &got, outStride: rows)
                    }
                    for t in 0..<tokens {
                        for r in lo..<rows {
                            let (g, e) = (got[t * rows + r], want[t * rows + r])
                            #expect(
                                g.bitPattern == e.bitPattern,
                                "\(name) \(five ? "q5_0" : "q4_0") cols \(cols) rows \(rows) tokens \(tokens) r \(r) t \(t): \(g) vs \(e)"
                            )
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

    /// The activation quantizer's integer sums are the sums of its int8 values.
    @Test func activationSumsAreSumsOfTheValues() {
        var rng = KernelTests.Rng(s: 77)
        let x = (0..<256).map { _ in rng.float() * 3 }
        let (qs, _, _, sums) = KernelTests.q8Sums(x, tokens: 1, cols: 256)
        for b in 0..<8 { #expect(sums[b] == qs[(32 * b)..<(32 * b + 32)].reduce(Int32(0)) { $0 + Int32($1) }) }
        #expect(sums.contains { $0 != 0 })
    }
}
