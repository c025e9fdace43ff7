import Foundation
import Testing

@testable import LlamaSwiftEngine
@testable import LlamaSwiftFormats
@testable import LlamaSwiftKernels

/// The tiled form of attention (AttentionTiled.swift), in every build this CPU runs:
/// - the same bits whichever way the work is cut — each (token, head) alone (row form),
///   all tokens and heads of a key/value group in one call (lane form), the group's heads
///   split in two, and the cache split into segments computed separately and merged;
/// - the same bits in every build;
/// - within 2e-6 of a double-precision softmax over the same F16-rounded query and rows.
@Suite struct AttentionTiledTests {
    struct Case {
        let hd: Int, heads: Int, kvHeads: Int, tokens: Int, firstPosition: Int, window: Int, exactRows: Int
    }

    static let cases: [Case] = [
        Case(hd: 64, heads: 9, kvHeads: 3, tokens: 8, firstPosition: 600, window: 0, exactRows: 256),
        Case(hd: 64, heads: 9, kvHeads: 3, tokens: 1, firstPosition: 777, window: 0, exactRows: 256),
        Case(hd: 64, heads: 9, kvHeads: 3, tokens: 5, firstPosition: 3, window: 0, exactRows: 4),
        Case(hd: 32, heads: 4, kvHeads: 1, tokens: 7, firstPosition: 530, window: 300, exactRows: 256),
        Case(hd: 128, heads: 8, kvHeads: 2, tokens: 3, firstPosition: 255, window: 0, exactRows: 2),
        Case(hd: 16, heads: 6, kvHeads: 1, tokens: 8, firstPosition: 40, window: 17, exactRows: 9),
    ]

    /// Runs attendGroup on one key/value head's queries; returns the outputs written.
    static func run(
        _ build: KernelSet, _ c: Case, kvh: Int, tokens tr: Range<Int>, heads hr: Range<Int>, split: Bool,
        q: UnsafePointer<Float>, k: UnsafeRawPointer, v: UnsafeRawPointer, out: UnsafeMutablePointer<Float>
    ) {
        let group = c.heads / c.kvHeads, Q = c.heads * c.hd, rowBytes = 2 * c.kvHeads * c.hd
        let queries = hr.count * tr.count
        let last = c.firstPosition + tr.upperBound - 1
        let segments = last / AttentionGroupOperands.segmentLength + 1
        var scratch = [Float](
            repeating: .nan,
            count: queries * (last + 1 + c.hd) + c.hd
                + AttentionGroupOperands.tiledScratchFloats(headDim: c.hd, queries: queries))
        var partials = [Float](repeating: .nan, count: segments * queries * (c.hd + 2))
        scratch.withUnsafeMutableBufferPointer { sc in
            partials.withUnsafeMutableBufferPointer { pp in
                func ops(_ pass: AttentionPass) -> AttentionGroupOperands {
                    let first = kvh * group + hr.lowerBound
                    return AttentionGroupOperands(
                        queries: q + tr.lowerBound * Q + first * c.hd, heads: hr.count, tokens: tr.count,
                        tokenStride: Q, headDim: c.hd, firstPosition: c.firstPosition + tr.lowerBound,
                        window: c.window, keys: k, values: v, rowBytes: rowBytes, kvOffset: kvh * c.hd, scale: 0.125,
                        queryScratch: sc.baseAddress! + queries * (last + 1),
                        keyScratch: sc.baseAddress! + queries * (last + 1 + c.hd),
                        scores: sc.baseAddress!, out: out + tr.lowerBound * Q + first * c.hd, exactRows: c.exactRows,
                        pass: pass, partials: pp.baseAddress!)
                }
                if split {
                    // Segments in reverse order: no segment may depend on another's pass.
                    for s in (0..<segments).reversed() { build.attendGroup(ops(.segment(s))) }
                    build.attendGroup(ops(.merge(segments: segments)))
                } else {
                    build.attendGroup(ops(.whole))
                }
            }
        }
    }

    @Test func sameBitsEveryCutAndBuild() {
        var rng = KernelTests.Rng(s: 2024)
        var compared = 0
        for c in Self.cases {
            let group = c.heads / c.kvHeads, Q = c.heads * c.hd, rows = c.firstPosition + c.tokens
            let keys = (0..<(rows * c.kvHeads * c.hd)).map { _ in floatToHalf(rng.float() * 2) }
            let values = (0..<(rows * c.kvHeads * c.hd)).map { _ in floatToHalf(rng.float()) }
            let queries = (0..<(c.tokens * Q)).map { _ in rng.float() * 3 }
            var reference: [UInt32]? = nil
            for build in KernelSet.runnable {
                var cuts: [[Float]] = []
                for cut in 0..<4 {
                    var out = [Float](repeating: .nan, count: c.tokens * Q)
                    keys.withUnsafeBytes { k in
                        values.withUnsafeBytes { v in
                            queries.withUnsafeBufferPointer { q in
                                out.withUnsafeMutableBufferPointer { o in
                                    for kvh in 0..<c.kvHeads {
                                        func go(_ tr: Range<Int>, _ hr: Range<Int>, _ split: Bool) {
                                            Self.run(
                                                build, c, kvh: kvh, tokens: tr, heads: hr, split: split,
                                                q: q.baseAddress!, k: k.baseAddress!, v: v.baseAddress!,
                                                out: o.baseAddress!)
                                        }
                                        switch cut {
                                        case 0:  // each (token, head) alone
                                            for t in 0..<c.tokens {
                                                for h in 0..<group { go(t..<(t + 1), h..<(h + 1), false) }
                                            }
                                        case 1: go(0..<c.tokens, 0..<group, false)
                                        case 2:  // tokens and heads cut unevenly
                                            let ht = c.tokens / 2, hh = (group + 1) / 2
                                            for tr in [0..<ht, ht..<c.tokens] where !tr.isEmpty {
                                                for hr in [0..<hh, hh..<group] where !hr.isEmpty { go(tr, hr, false) }
                                            }
                                        default:  // split over the cache, per token
                                            if c.tokens > 1 {
                                                go(0..<1, 0..<group, true)
                                                go(1..<c.tokens, 0..<group, true)
                                            } else {
                                                go(0..<1, 0..<group, true)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    #expect(!out.contains { $0.isNaN }, "\(build.name) \(c) cut \(cut)")
                    cuts.append(out)
                }
                for cut in 1..<4 {
                    let differ = zip(cuts[cut], cuts[0]).filter { $0.bitPattern != $1.bitPattern }.count
                    #expect(differ == 0, "\(build.name) \(c) cut \(cut) vs 0: \(differ) outputs differ")
                    compared += 1
                }
                let bits = cuts[0].map(\.bitPattern)
                if let r = reference {
                    let differ = zip(r, bits).filter { $0 != $1 }.count
                    #expect(differ == 0, "\(build.name) \(c) vs the first build: \(differ) outputs differ")
                }
                reference = bits

                // Against a double-precision softmax of the same F16 query and rows.
                var worst = 0.0
                for t in 0..<c.tokens {
                    let pos = c.firstPosition + t
                    let first = c.window > 0 ? max(0, pos - c.window + 1) : 0
                    for h in 0..<c.heads {
                        let kvh = h / group
                        let qh = (0..<c.hd).map { Double(halfToFloat(floatToHalf(queries[t * Q + h * c.hd + $0]))) }
                        var s = [Double]()
                        for p in first...pos {
                            var d = 0.0
                            for i in 0..<c.hd {
                                d += qh[i] * Double(halfToFloat(keys[(p * c.kvHeads + kvh) * c.hd + i]))
                            }
                            s.append(d * 0.125)
                        }
                        let mx = s.max()!
                        let e = s.map { Foundation.exp($0 - mx) }
                        let sum = e.reduce(0, +)
                        for i in 0..<c.hd {
                            var o = 0.0
                            for (j, p) in (first...pos).enumerated() {
                                o += e[j] * Double(halfToFloat(values[(p * c.kvHeads + kvh) * c.hd + i]))
                            }
                            worst = max(worst, abs(o / sum - Double(cuts[0][t * Q + h * c.hd + i])))
                        }
                    }
                }
                // The exact form rounds the weights to F16: only the tiled tokens are this close.
                let tiledOnly = c.firstPosition + 1 > c.exactRows
                print("REPORT tiled attention \(build.name) \(c): max |Δ| vs double \(worst)")
                if tiledOnly { #expect(worst < 2e-6, "\(build.name) \(c): \(worst)") }
            }
        }
        #expect(compared >= 3 * Self.cases.count)
    }
}

/// The tiled form in the engine (SmolLM2: rows past 256 positions): the last logits of
/// 560 tokens are the same bits for one thread in chunks of 512, two threads with the
/// last 30 tokens decoded one at a time (decode steps split over the cache), and three
/// threads in chunks of 7 — and a fourth run with another last token really differs.
@Suite struct TiledAttentionEngineTests {
    @Test func sameBitsThreadsAndSplitsAtDepth() throws {
        guard TestPaths.exists(TestPaths.model) else { return }
        let model = try Model(path: TestPaths.model)
        let tokens: [Int32] = (0..<560).map { Int32(100 + ($0 * 7919) % 40000) }
        var reference: [UInt32]? = nil
        for (threads, batch, singles) in [(1, 512, 0), (2, 512, 30), (3, 7, 0)] {
            var o = SessionOptions()
            o.threads = threads
            o.batchSize = batch
            o.contextLength = 1024
            let s = try Session(model: model, options: o)
            try s.decode(Array(tokens[0..<(tokens.count - singles)]))
            for t in (tokens.count - singles)..<tokens.count { try s.decode([tokens[t]]) }
            let got = s.lastLogits!.map(\.bitPattern)
            if let r = reference {
                let differ = zip(r, got).filter { $0 != $1 }.count
                #expect(differ == 0, "threads \(threads) batch \(batch) singles \(singles): \(differ) logits differ")
            } else {
                reference = got
            }
        }
        var o = SessionOptions()
        o.contextLength = 1024
        let s = try Session(model: model, options: o)
        try s.decode(Array(tokens.dropLast()) + [tokens.last! + 1])
        #expect(s.lastLogits!.map(\.bitPattern) != reference)
    }
}
