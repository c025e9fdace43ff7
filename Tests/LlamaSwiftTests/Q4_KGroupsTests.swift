import Testing
import CLlamaSwiftCPU
import LlamaSwiftKernels
@testable import LlamaSwift

/// Q4_K in groups of 8 rows: every build this CPU runs equals QuantDot.q45_K (the
/// row-by-row reference, which the file-layout kernels also equal) bit for bit, for
/// decode and prefill token counts and for row ranges past the first group.
@Suite struct Q4_KGroupsTests {
    @Test(arguments: [256, 768])
    func kernelsEqualReference(cols: Int) {
        var rng = KernelTests.Rng(s: UInt64(cols) &+ 4242)
        let nb = cols / 256
        var compared = 0
        for (rows, tokens) in [(8, 1), (16, 1), (24, 3), (8, 4), (16, 5), (24, 9)] {
            var w = (0..<(rows * nb * 144)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for blk in 0..<(rows * nb) {
                for off in [0, 2] {  // sane half d and dmin (random bytes could be NaN or inf)
                    let h = floatToHalf(rng.float() * 0.02)
                    w[blk * 144 + off] = UInt8(h & 0xFF)
                    w[blk * 144 + off + 1] = UInt8(h >> 8)
                }
            }
            var x = (0..<(tokens * cols)).map { _ in rng.float() * 3 }
            x[Int(rng.next() % UInt64(x.count))] = -7  // a block whose extreme is negative
            var qs = [Int8](repeating: 0, count: tokens * cols)
            var d = [Float](repeating: 0, count: tokens * nb)
            var bs = [Int32](repeating: 0, count: tokens * nb * 16)
            for t in 0..<tokens {
                x.withUnsafeBufferPointer { xp in
                    ActivationQuantize.q8K(xp.baseAddress! + t * cols, cols, &qs[t * cols], &d[t * nb], &bs[t * nb * 16])
                }
            }
            var want = [Float](repeating: 0, count: tokens * rows)
            w.withUnsafeBytes { wp in
                qs.withUnsafeBufferPointer { q in
                    d.withUnsafeBufferPointer { dp in
                        bs.withUnsafeBufferPointer { b in
                            for t in 0..<tokens {
                                for r in 0..<rows {
                                    want[t * rows + r] = QuantDot.q45_K(
                                        wp.baseAddress! + r * nb * 144, q.baseAddress! + t * cols, dp.baseAddress! + t * nb,
                                        b.baseAddress! + t * nb * 16, nb, five: false)
                                }
                            }
                        }
                    }
                }
            }
            var packed = [UInt8](repeating: 0, count: Q4_KGroups.packedBytes(rows: rows, cols: cols))
            w.withUnsafeBytes { wp in
                packed.withUnsafeMutableBytes { pp in Q4_KGroups.pack(wp.baseAddress!, pp.baseAddress!, rows: rows, cols: cols) }
            }
            for build in KernelSet.runnable {
                for lo in Set([0, rows > 8 ? 8 : 0]) {
                    var got = [Float](repeating: .nan, count: tokens * rows)
                    packed.withUnsafeBytes { pp in build.q4_KGroups(pp.baseAddress!, 0, lo..<rows, tokens, qs, d, bs, cols, &got, rows) }
                    for t in 0..<tokens {
                        for r in lo..<rows {
                            let (g, e) = (got[t * rows + r], want[t * rows + r])
                            #expect(g.bitPattern == e.bitPattern, "\(build.name) cols \(cols) rows \(rows) tokens \(tokens) r \(r) t \(t): \(g) vs \(e)")
                            compared += 1
                        }
                        for r in 0..<lo { #expect(got[t * rows + r].isNaN, "row \(r) outside the range was written") }
                    }
                }
            }
            #expect(!want.contains { $0.isNaN || $0 == 0 })
        }
        #expect(compared >= KernelSet.runnable.count * (8 + 16 + 72 + 32 + 80 + 216))
    }
}
