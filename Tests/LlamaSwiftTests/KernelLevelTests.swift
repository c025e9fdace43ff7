import Testing
import CLlamaSwiftCPU
import LlamaSwiftKernels
@testable import LlamaSwift

/// Every CPU-level build of the kernels computes the same bits: the x86-64-v3 tiles
/// (AVX2 intrinsics: vpmaddubsw/vpmaddwd) against the baseline build (portable SIMD),
/// which KernelTests ties to the QuantDotLanes reference.
@Suite struct KernelLevelTests {
    @Test(arguments: [32, 96, 2048])
    func v3TilesEqualBaselineBitForBit(cols: Int) throws {
        #if canImport(LlamaSwiftKernelsV3)
        guard lsk_cpu_x86_level() >= 3 else { return }  // the v3 build cannot run here
        var rng = KernelTests.Rng(s: UInt64(cols) &* 977)
        var compared = 0
        let tables: [(UInt32, KernelSet.Tiles32, KernelSet.Tiles32)] = [
            (2, KernelSet.base.q4_0, KernelSet.v3.q4_0), (3, KernelSet.base.q4_1, KernelSet.v3.q4_1),
            (6, KernelSet.base.q5_0, KernelSet.v3.q5_0), (7, KernelSet.base.q5_1, KernelSet.v3.q5_1),
            (8, KernelSet.base.q8_0, KernelSet.v3.q8_0),
        ]
        for (id, base, v3) in tables {
            let type = KernelTests.types.first { $0.id == id }!
            for (rows, tokens) in [(1, 1), (4, 1), (7, 1), (4, 2), (9, 3), (12, 7)] {
                let w = KernelTests().randomRows(type: type, rows: rows, cols: cols, rng: &rng)
                // Activations spanning the whole int8 range, including ±127 in every block.
                var x = (0..<(tokens * cols)).map { _ in rng.float() * 4 }
                for i in stride(from: 0, to: x.count, by: 32) { x[i + Int(rng.next() % 32)] = rng.next() % 2 == 0 ? 9 : -9 }
                var qs = [Int8](repeating: 0, count: tokens * cols)
                var d = [Float](repeating: 0, count: tokens * cols / 32)
                var s = [Float](repeating: 0, count: tokens * cols / 32)
                for t in 0..<tokens {
                    x.withUnsafeBufferPointer { xp in
                        ActivationQuantize.q8(xp.baseAddress! + t * cols, cols, &qs[t * cols], &d[t * cols / 32], &s[t * cols / 32])
                    }
                }
                var a = [Float](repeating: .nan, count: tokens * rows)
                var b = [Float](repeating: .nan, count: tokens * rows)
                w.withUnsafeBytes { wp in
                    base(wp.baseAddress!, cols / 32 * type.bytes, 0..<rows, tokens, qs, d, s, cols, &a, rows)
                    v3(wp.baseAddress!, cols / 32 * type.bytes, 0..<rows, tokens, qs, d, s, cols, &b, rows)
                }
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "type \(id) cols \(cols) rows \(rows) tokens \(tokens)")
                #expect(!a.contains { $0.isNaN })
                compared += a.count
            }
        }
        #expect(compared == 5 * (1 + 4 + 7 + 8 + 27 + 84))
        #elseif arch(x86_64)
        Issue.record("the x86-64-v3 kernel build is not visible to the tests")
        #endif
    }
}
