import Testing
import LlamaSwiftFormats
@testable import LlamaSwiftKernels
@testable import LlamaSwiftEngine

/// Q2_K, Q3_K, IQ4_XS and IQ4_NL rows (LowBitRows): the dot products equal, within float
/// rounding, the sum of the dequantized weights (LowBitRows.dequantizeRow, which follows
/// llama.cpp's dequantize_row_* element order) times the dequantized 8-bit activations;
/// every build this CPU runs gives the same bits; and the row decoder agrees with gguf-py's
/// dequantization through the tiny models' HF references (ForwardTests).
@Suite struct LowBitKernelTests {
    /// (type, offsets of its half-precision scales in a block)
    static let cases: [(WeightType, [Int])] = [(.q2_K, [80, 82]), (.q3_K, [108]), (.iq4_XS, [0]), (.iq4_NL, [0])]

    @Test(arguments: [256, 768])
    func dotEqualsDequantizedSum(cols: Int) throws {
        var compared = 0
        for (type, halves) in Self.cases {
            var rng = KernelTests.Rng(s: UInt64(cols) &+ UInt64(type.rawValue) &* 977)
            let nb = cols / type.blockElements
            let rows = 5, tokens = 3
            let w = KernelTests.randomKBlocks(count: rows * nb, bytes: type.blockBytes, halves: halves, rng: &rng)
            let x = (0..<(tokens * cols)).map { _ in rng.float() * 3 }
            // The activations as the layout's format stores them, and their float values.
            var values: [Int8], scales: [Float], sums: [Int32] = []
            if type == .iq4_NL {
                let (q, d, _, s) = KernelTests.q8Sums(x, tokens: tokens, cols: cols)
                (values, scales, sums) = (q, d, s)
            } else {
                (values, scales, sums) = KernelTests.randomQ8K(tokens: tokens, cols: cols, rng: &rng)
            }
            let per = type == .iq4_NL ? 32 : 256
            let layout = type == .iq4_NL ? LowBitRows.layoutIQ4NL : LowBitRows.layout256
            var reference = [Float](repeating: 0, count: rows * tokens)
            var tolerance = [Float](repeating: 0, count: rows * tokens)
            w.withUnsafeBytes { wp in
                var row = [Float](repeating: 0, count: cols)
                for r in 0..<rows {
                    LowBitRows.dequantizeRow(type, wp.baseAddress! + r * nb * type.blockBytes, &row, cols)
                    for t in 0..<tokens {
                        var s = 0.0, m = 0.0
                        for i in 0..<cols {
                            let a = Double(values[t * cols + i]) * Double(scales[t * (cols / per) + i / per])
                            s += Double(row[i]) * a
                            m += abs(Double(row[i]) * a)
                        }
                        reference[t * rows + r] = Float(s)
                        tolerance[t * rows + r] = Float(m) * 1e-5 + 1e-6
                    }
                }
            }
            var first: [Float]? = nil
            for build in KernelSet.runnable {
                var got = [Float](repeating: .nan, count: rows * tokens)
                w.withUnsafeBytes { wp in
                    build.layout(named: layout.name).callMultiply(
                        wp.baseAddress!, type: type, cols: cols, rows: 0..<rows, tokens: tokens, values: values,
                        scales: scales, sums: sums, out: &got, outStride: rows)
                }
                for i in got.indices {
                    #expect(
                        abs(got[i] - reference[i]) <= tolerance[i],
                        "\(build.name) \(type) cols \(cols) #\(i): \(got[i]) vs \(reference[i])")
                    compared += 1
                }
                if let f = first {
                    #expect(
                        got.map(\.bitPattern) == f.map(\.bitPattern), "\(build.name) \(type): not the baseline's bits")
                }
                first = got
            }
        }
        #expect(compared == KernelSet.runnable.count * Self.cases.count * 15)
        #expect(compared > 0)
    }

    /// A hand-made Q3_K block: each element's value from the format's definition.
    @Test func q3_KElementOrder() {
        var blk = [UInt8](repeating: 0, count: 110)
        // d = 1.0; every scale 33 (so s − 32 = 1): low nibbles 1, high bits 2 → 0b10_0001.
        blk[108] = 0x00; blk[109] = 0x3C
        for k in 0..<8 { blk[96 + k] = 0x11 }
        for k in 0..<4 { blk[104 + k] = 0xAA }
        // Element 32·j + l of the first half = ((qs[l] >> 2j) & 3) − 4·(bit j of hmask[l] clear).
        blk[32 + 5] = 0b11_10_01_00  // l = 5: groups 0…3 hold 0, 1, 2, 3
        blk[5] = 0b0000_0101  // hmask: groups 0 and 2 of the first half keep their value
        var out = [Float](repeating: .nan, count: 256)
        blk.withUnsafeBytes { LowBitRows.dequantizeRow(.q3_K, $0.baseAddress!, &out, 256) }
        #expect(out[5] == 0 && out[37] == 1 - 4 && out[69] == 2 && out[101] == 3 - 4)
        #expect(out[0] == -4 && out[128 + 5] == -4)
    }
}
