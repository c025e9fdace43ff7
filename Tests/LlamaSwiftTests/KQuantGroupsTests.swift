import Testing
import CLlamaSwiftCPU
import LlamaSwiftFormats
import LlamaSwiftKernels
@testable import LlamaSwiftEngine

/// Q4_K and Q6_K in groups of 8 rows: every build this CPU runs equals KQuantReference.q45_K /
/// KQuantReference.q6_K (the row-by-row references, which the file-layout kernels also equal)
/// bit for bit, for decode and prefill token counts and row ranges past the first group.
@Suite struct KQuantGroupsTests {
    @Test(arguments: [(256, false), (768, false), (256, true), (768, true)])
    func kernelsEqualReference(cols: Int, six: Bool) {
        let bytes = six ? 210 : 144, halves = six ? [208] : [0, 2]
        var rng = KernelTests.Rng(s: UInt64(cols) &+ 4242)
        let nb = cols / 256
        var compared = 0
        for (rows, tokens) in [(8, 1), (16, 1), (24, 3), (8, 4), (16, 5), (24, 9)] {
            let w = KernelTests.randomKBlocks(count: rows * nb, bytes: bytes, halves: halves, rng: &rng)
            let (qs, d, bs) = KernelTests.randomQ8K(tokens: tokens, cols: cols, rng: &rng)
            var want = [Float](repeating: 0, count: tokens * rows)
            w.withUnsafeBytes { wp in
                qs.withUnsafeBufferPointer { q in
                    d.withUnsafeBufferPointer { dp in
                        bs.withUnsafeBufferPointer { b in
                            for t in 0..<tokens {
                                for r in 0..<rows {
                                    let row = wp.baseAddress! + r * nb * bytes, a = q.baseAddress! + t * cols
                                    want[t * rows + r] =
                                        six
                                        ? KQuantReference.q6_K(row, a, dp.baseAddress! + t * nb, nb)
                                        : KQuantReference.q45_K(
                                            row, a, dp.baseAddress! + t * nb, b.baseAddress! + t * nb * 16, nb,
                                            five: false)
                                }
                            }
                        }
                    }
                }
            }
            var packed = [UInt8](repeating: 0, count: six ? w.count : Q4_KGroups.packedBytes(rows: rows, cols: cols))
            w.withUnsafeBytes { wp in
                packed.withUnsafeMutableBytes { pp in
                    if six {
                        Q6_KGroups.pack(wp.baseAddress!, pp.baseAddress!, rows: rows, cols: cols)
                    } else {
                        Q4_KGroups.pack(wp.baseAddress!, pp.baseAddress!, rows: rows, cols: cols)
                    }
                }
            }
            if six { #expect(packed.sorted() == w.sorted()) }  // the same bytes, reordered
            for build in KernelSet.runnable {
                for lo in Set([0, rows > 8 ? 8 : 0]) {
                    var got = [Float](repeating: .nan, count: tokens * rows)
                    let layout = build.layout(named: (six ? Q6_KGroups.layout : Q4_KGroups.layout).name)
                    packed.withUnsafeBytes { pp in
                        layout.callMultiply(
                            pp.baseAddress!, type: six ? .q6_K : .q4_K, cols: cols, rows: lo..<rows, tokens: tokens,
                            values: qs,
                            scales: d, sums: bs, out: &got, outStride: rows)
                    }
                    for t in 0..<tokens {
                        for r in lo..<rows {
                            let (g, e) = (got[t * rows + r], want[t * rows + r])
                            #expect(
                                g.bitPattern == e.bitPattern,
                                "\(build.name) \(six ? "q6_K" : "q4_K") cols \(cols) rows \(rows) tokens \(tokens) r \(r) t \(t): \(g) vs \(e)"
                            )
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
