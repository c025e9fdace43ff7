import Foundation
import Testing

@testable import LlamaSwiftEngine
@testable import LlamaSwiftFormats
@testable import LlamaSwiftKernels

/// Q8_0 rows of the KV cache (Q8_0Rows.swift) and the attention kernels reading them:
/// - quantize and dequantize equal a plain implementation of llama.cpp's reference formula
///   written here (edge cases: zeros, one large element, ties, NaN and infinity);
/// - attention over Q8_0 rows whose values F16 holds exactly gives the same bits as over
///   the F16 rows of those values, in every build, exact and tiled forms, whole and split
///   over the cache (so Q8_0 changes nothing but where the floats come from).
@Suite struct Q8_0RowsTests {
    /// The formula (llama.cpp quantize_row_q8_0_ref), element by element.
    static func reference(_ x: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for b in 0..<(x.count / 32) {
            let block = x[(32 * b)..<(32 * b + 32)]
            var amax: Float = 0
            for v in block { amax = Swift.max(amax, Swift.abs(v)) }
            let d = amax / 127
            let id: Float = d == 0 ? 0 : 1 / d
            let h = Float16(d).bitPattern
            out += [UInt8(h & 0xff), UInt8(h >> 8)]
            for v in block {
                let r = (v * id).rounded(.toNearestOrAwayFromZero)
                out.append(UInt8(bitPattern: Int8(r)))
            }
        }
        return out
    }

    static func quantize(_ x: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: x.count / 32 * 34)
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { Q8_0Rows.quantize(src.baseAddress!, $0.baseAddress!, x.count) }
        }
        return out
    }

    static func dequantize(_ q: [UInt8], _ n: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: n)
        q.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { Q8_0Rows.dequantize(src.baseAddress!, $0.baseAddress!, n) }
        }
        return out
    }

    @Test func quantizeAndDequantizeEqualTheFormula() {
        var rng = KernelTests.Rng(s: 808)
        var rows: [[Float]] = [
            [Float](repeating: 0, count: 64),
            (0..<32).map { $0 == 5 ? 1000 : Float($0) * 1e-3 },
            // Ties: x·id = k + 0.5 exactly (amax 127 gives d = 1, id = 1).
            (0..<32).map { $0 == 0 ? 127 : Float($0 % 7) - 3.5 },
        ]
        for n in [32, 64, 192, 256] { rows.append((0..<n).map { _ in rng.float() * 3 }) }
        for x in rows {
            let q = Self.quantize(x)
            #expect(q == Self.reference(x))
            // Dequantized: d·q as floats, the F16 d converted exactly.
            var expected: [Float] = []
            for b in 0..<(x.count / 32) {
                let d = Float(Float16(bitPattern: UInt16(q[34 * b]) | UInt16(q[34 * b + 1]) << 8))
                for j in 0..<32 { expected.append(d * Float(Int8(bitPattern: q[34 * b + 2 + j]))) }
            }
            #expect(Self.dequantize(q, x.count).map(\.bitPattern) == expected.map(\.bitPattern))
            // Round trip within half a step (d/2, plus the rounding of d to F16).
            let back = Self.dequantize(q, x.count)
            for b in 0..<(x.count / 32) {
                let amax = x[(32 * b)..<(32 * b + 32)].map { Swift.abs($0) }.max()!
                for j in (32 * b)..<(32 * b + 32) {
                    #expect(Swift.abs(back[j] - x[j]) <= amax / 127 * 0.51 + amax * 1e-3)
                }
            }
        }
    }

    @Test func nonFiniteElementsDoNotTrap() {
        var x = [Float](repeating: 0.5, count: 64)
        x[3] = .nan
        x[40] = .infinity
        let back = Self.dequantize(Self.quantize(x), 64)
        #expect(back[0].isNaN && back[3].isNaN)  // d is NaN for the block holding the NaN
        #expect(back[33].isNaN && back[40].isNaN)  // d infinite, q 0 elsewhere: inf·0
    }

    /// Q8_0 blocks with d a power of two: every d·q is an F16 exactly, so the F16 cache of
    /// those values must give identical attention outputs.
    @Test func attentionOverQ8_0EqualsF16OfTheSameValues() {
        var rng = KernelTests.Rng(s: 31)
        struct Case { let hd: Int, heads: Int, kvHeads: Int, tokens: Int, first: Int, window: Int, exact: Int }
        let cases = [
            Case(hd: 64, heads: 9, kvHeads: 3, tokens: 8, first: 600, window: 0, exact: 256),
            Case(hd: 64, heads: 9, kvHeads: 3, tokens: 1, first: 700, window: 0, exact: 256),
            Case(hd: 64, heads: 6, kvHeads: 2, tokens: 5, first: 40, window: 0, exact: 256),
            Case(hd: 32, heads: 4, kvHeads: 1, tokens: 7, first: 530, window: 300, exact: 256),
            Case(hd: 96, heads: 4, kvHeads: 2, tokens: 3, first: 20, window: 9, exact: 4),
        ]
        var compared = 0
        for c in cases {
            let rows = c.first + c.tokens, width = c.kvHeads * c.hd
            func q8Rows() -> (q8: [UInt8], f16: [UInt16]) {
                var q8: [UInt8] = [], f16: [UInt16] = []
                for _ in 0..<(rows * width / 32) {
                    let e = Int(rng.next() % 6) + 3
                    let d = Float(1) / Float(1 << e)
                    let h = Float16(d).bitPattern
                    q8 += [UInt8(h & 0xff), UInt8(h >> 8)]
                    for _ in 0..<32 {
                        let q = Int8(Int(rng.next() % 255) - 127)
                        q8.append(UInt8(bitPattern: q))
                        f16.append(Float16(d * Float(q)).bitPattern)
                    }
                }
                return (q8, f16)
            }
            let k = q8Rows(), v = q8Rows()
            let Q = c.heads * c.hd, group = c.heads / c.kvHeads
            let queries = (0..<(c.tokens * Q)).map { _ in rng.float() * 2 }
            var outputs: [[UInt32]] = []
            for build in KernelSet.runnable {
                for (kq, vq) in [(false, false), (true, true), (true, false), (false, true)] {
                    for split in [false, true] where !split || c.tokens == 1 {
                        var out = [Float](repeating: .nan, count: c.tokens * Q)
                        let kBytes: [UInt8] = kq ? k.q8 : k.f16.withUnsafeBytes { Array($0) }
                        let vBytes: [UInt8] = vq ? v.q8 : v.f16.withUnsafeBytes { Array($0) }
                        let kFormat: KVRowFormat = kq ? .q8_0 : .f16, vFormat: KVRowFormat = vq ? .q8_0 : .f16
                        for kvh in 0..<c.kvHeads {
                            let last = c.first + c.tokens - 1
                            let segments = last / AttentionGroupOperands.segmentLength + 1
                            var scratch = [Float](
                                repeating: .nan,
                                count: group * c.tokens * (last + 1 + c.hd) + c.hd
                                    + AttentionGroupOperands.tiledScratchFloats(
                                        headDim: c.hd, queries: group * c.tokens))
                            var partials = [Float](repeating: .nan, count: segments * group * c.tokens * (c.hd + 2))
                            kBytes.withUnsafeBytes { kp in
                                vBytes.withUnsafeBytes { vp in
                                    queries.withUnsafeBufferPointer { qp in
                                        out.withUnsafeMutableBufferPointer { op in
                                            scratch.withUnsafeMutableBufferPointer { sc in
                                                partials.withUnsafeMutableBufferPointer { pp in
                                                    let m = group * c.tokens
                                                    func ops(_ pass: AttentionPass) -> AttentionGroupOperands {
                                                        AttentionGroupOperands(
                                                            queries: qp.baseAddress! + kvh * group * c.hd, heads: group,
                                                            tokens: c.tokens, tokenStride: Q, headDim: c.hd,
                                                            firstPosition: c.first, window: c.window,
                                                            keys: kp.baseAddress!, values: vp.baseAddress!,
                                                            rowBytes: kFormat.bytes(width), kvOffset: kvh * c.hd,
                                                            scale: 0.125,
                                                            queryScratch: sc.baseAddress! + m * (last + 1),
                                                            keyScratch: sc.baseAddress! + m * (last + 1 + c.hd),
                                                            scores: sc.baseAddress!,
                                                            out: op.baseAddress! + kvh * group * c.hd,
                                                            exactRows: c.exact,
                                                            pass: pass, partials: pp.baseAddress!, keyFormat: kFormat,
                                                            valueFormat: vFormat, valueRowBytes: vFormat.bytes(width))
                                                    }
                                                    if split {
                                                        for s in (0..<segments).reversed() {
                                                            build.attendGroup(ops(.segment(s)))
                                                        }
                                                        build.attendGroup(ops(.merge(segments: segments)))
                                                    } else {
                                                        build.attendGroup(ops(.whole))
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        #expect(!out.contains { $0.isNaN })
                        outputs.append(out.map(\.bitPattern))
                    }
                }
            }
            for o in outputs.dropFirst() {
                #expect(o == outputs[0], "hd \(c.hd) first \(c.first) tokens \(c.tokens)")
                compared += 1
            }
        }
        #expect(compared > 20)
    }
}
