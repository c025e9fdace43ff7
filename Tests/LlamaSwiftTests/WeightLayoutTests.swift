import Testing
import LlamaSwiftFormats
import LlamaSwiftKernels
@testable import LlamaSwiftEngine

/// Every layout of every kernel build this CPU runs, through the same calls the engine
/// makes (choose, pack, quantize, multiply), against the float dot product of the
/// dequantized rows. A new layout is tested here without a new test: it must accept some
/// type with test data below (or the test fails), and its results must be within the
/// activation quantization's bound. Bit-exactness against each layout's scalar
/// reference is the per-layout tests' job (KernelLevelTests, Q4_0GroupsTests,
/// KQuantGroupsTests).
@Suite struct WeightLayoutTests {
    /// Random rows of `type` whose scales are sane; nil for a type with no generator here
    /// (add one with a new type).
    static func randomMatrix(_ type: WeightType, rows: Int, cols: Int, rng: inout KernelTests.Rng) -> [UInt8]? {
        switch type {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0:
            return KernelTests().randomRows(type: (type.rawValue, type.blockBytes), rows: rows, cols: cols, rng: &rng)
        case .q4_K, .q5_K:
            return KernelTests.randomKBlocks(
                count: rows * cols / 256, bytes: type.blockBytes, halves: [0, 2], rng: &rng)
        case .q6_K:
            return KernelTests.randomKBlocks(count: rows * cols / 256, bytes: type.blockBytes, halves: [208], rng: &rng)
        case .q2_K, .q3_K, .iq4_XS, .iq4_NL:
            let halves = LowBitKernelTests.cases.first { $0.0 == type }!.1
            return KernelTests.randomKBlocks(
                count: rows * cols / type.blockElements, bytes: type.blockBytes, halves: halves, rng: &rng)
        case .f32:
            return (0..<(rows * cols)).flatMap { _ in withUnsafeBytes(of: rng.float() * 0.1) { Array($0) } }
        case .f16, .bf16:
            return (0..<(rows * cols)).flatMap { _ -> [UInt8] in
                let v = rng.float() * 0.1
                let bits = type == .f16 ? floatToHalf(v) : UInt16(v.bitPattern >> 16)
                return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
            }
        default:
            return nil
        }
    }

    @Test func everyLayoutOfEveryBuildMultipliesWithinTheQuantizationBound() {
        let cols = 512, tokens = 3
        var checkedPerLayout: [String: Int] = [:]
        for build in KernelSet.runnable {
            var rng = KernelTests.Rng(s: 4242)
            for layout in build.layouts {
                for type in WeightType.allCases {
                    let rows = 16
                    guard layout.accepts(type, rows), cols % type.blockElements == 0 else { continue }
                    guard let w = Self.randomMatrix(type, rows: rows, cols: cols, rng: &rng) else {
                        Issue.record("\(layout.name) accepts \(type), which has no test data generator here")
                        continue
                    }
                    let rowBytes = type.rowBytes(cols)!
                    // The file-order layout of the same type decodes rows for the expected values.
                    let fileOrder = build.layout(for: type, rows: rows, packed: false)!
                    var deq = [Float](repeating: 0, count: rows * cols)
                    w.withUnsafeBytes { wp in
                        for r in 0..<rows {
                            fileOrder.dequantizeRow!(type, wp.baseAddress! + r * rowBytes, &deq[r * cols], cols)
                        }
                    }
                    let x = (0..<(tokens * cols)).map { _ in rng.float() * 2 }
                    let got = Self.multiply(build, layout, type: type, w, rows: rows, cols: cols, x, tokens: tokens)
                    for t in 0..<tokens {
                        for r in 0..<rows {
                            var exact: Float = 0, bound: Float = 1e-4
                            let blockElements = layout.activations.blockElements
                            for b in 0..<(cols / blockElements) {
                                var amax: Float = 0
                                for i in 0..<blockElements {
                                    amax = max(amax, abs(x[t * cols + b * blockElements + i]))
                                }
                                for i in (b * blockElements)..<((b + 1) * blockElements) {
                                    let (wv, xv) = (deq[r * cols + i], x[t * cols + i])
                                    exact += wv * xv
                                    bound +=
                                        abs(wv)
                                        * (layout.activations == .float ? abs(xv) * 1e-5 : amax / 254 + abs(xv) * 1e-3)
                                }
                            }
                            let g = got[t * rows + r]
                            #expect(
                                abs(g - exact) <= bound,
                                "\(build.name) \(layout.name) \(type) (\(t), \(r)): \(g) vs \(exact), bound \(bound)")
                        }
                    }
                    checkedPerLayout[layout.name, default: 0] += tokens * rows
                }
            }
        }
        // Every layout of the list was exercised, by every build.
        for layout in KernelSet.base.layouts {
            #expect(checkedPerLayout[layout.name, default: 0] > 0, "layout '\(layout.name)' was not tested")
        }
        #expect(KernelSet.runnable.allSatisfy { $0.layouts.map(\.name) == KernelSet.base.layouts.map(\.name) })
    }

    /// Packs `w` (the file's rows) if the layout asks, quantizes `x` with the build's
    /// quantizer in the layout's format, and multiplies, as Matmul does.
    static func multiply(
        _ build: KernelSet, _ layout: WeightLayout, type: WeightType, _ w: [UInt8], rows: Int, cols: Int, _ x: [Float],
        tokens: Int
    ) -> [Float] {
        let rowBytes = type.rowBytes(cols)!
        var weights = w
        if let packing = layout.packing {
            weights = [UInt8](repeating: 0, count: packing.bytes(type, rows, cols))
            w.withUnsafeBytes { src in
                weights.withUnsafeMutableBytes { dst in
                    packing.pack(
                        PackOperands(
                            source: src.baseAddress!, destination: dst.baseAddress!, type: type, rows: rows, cols: cols,
                            rowBytes: rowBytes))
                }
            }
        }
        let format = layout.activations
        var qs = [Int8](repeating: 0, count: tokens * cols)
        var d = [Float](repeating: 0, count: tokens * cols / 32 + 1)
        var s = [Float](repeating: 0, count: tokens * cols / 32 + 1)
        var sums = [Int32](repeating: 0, count: tokens * cols / 16 + 1)
        var out = [Float](repeating: .nan, count: tokens * rows)
        x.withUnsafeBufferPointer { xp in
            qs.withUnsafeMutableBufferPointer { q in
                d.withUnsafeMutableBufferPointer { dp in
                    s.withUnsafeMutableBufferPointer { sp in
                        sums.withUnsafeMutableBufferPointer { bp in
                            if format != .float {
                                let nb = cols / format.blockElements
                                let sumStride = format == .q8Blocks32 ? nb : cols / 16
                                for t in 0..<tokens {
                                    build.quantize(
                                        format,
                                        QuantizeOperands(
                                            source: xp.baseAddress! + t * cols, count: cols,
                                            values: q.baseAddress! + t * cols,
                                            scales: dp.baseAddress! + t * nb,
                                            scaledSums: sp.baseAddress! + t * (cols / 32),
                                            sums: bp.baseAddress! + t * sumStride))
                                }
                            }
                            let rowsQ = QuantizedRows(
                                format: format, values: UnsafePointer(q.baseAddress!),
                                scales: UnsafePointer(dp.baseAddress!),
                                scaledSums: UnsafePointer(sp.baseAddress!), sums: UnsafePointer(bp.baseAddress!))
                            weights.withUnsafeBytes { wp in
                                out.withUnsafeMutableBufferPointer { op in
                                    layout.multiply(
                                        MatmulOperands(
                                            weights: wp.baseAddress!, type: type, rowBytes: rowBytes, cols: cols,
                                            rows: 0..<rows,
                                            tokens: tokens, floats: xp.baseAddress!,
                                            quantized: format == .float ? nil : rowsQ,
                                            out: op.baseAddress!, outStride: rows))
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
