import Testing
#if canImport(Glibc)
import Glibc
#endif
import CLlamaSwiftCPU
import LlamaSwiftKernels
@testable import LlamaSwift

/// Every CPU-level build of the kernels computes the same bits: the higher builds this
/// CPU runs (x86-64-v3: AVX2 intrinsics, vpmaddubsw/vpmaddwd; x86-64-v4: the same
/// sources for AVX-512) against the baseline build (portable SIMD), which KernelTests
/// ties to the QuantDotLanes reference.
@Suite struct KernelLevelTests {
    /// The builds above the baseline that this CPU runs (v4 only on AVX-512 machines).
    static var higherBuilds: [KernelSet] { Array(KernelSet.runnable.dropFirst()) }

    @Test func x86CarriesAndRunsTheAVX2Build() {
        #if arch(x86_64)
        #expect(KernelSet.runnable.first?.name == "x86-64")
        if lsk_cpu_x86_level() >= 3 { #expect(KernelSet.runnable.map(\.name).contains("x86-64-v3")) }
        if lsk_cpu_x86_level() >= 4 { #expect(KernelSet.runnable.map(\.name).contains("x86-64-v4")) }
        if getenv("LLAMASWIFT_KERNELS") == nil { #expect(KernelSet.runnable.last?.name == KernelSet.active.name) }
        #endif
    }

    @Test(arguments: [32, 96, 2048])
    func higherTilesEqualBaselineBitForBit(cols: Int) throws {
        for build in Self.higherBuilds {
            var rng = KernelTests.Rng(s: UInt64(cols) &* 977)
            var compared = 0
            let tables: [(UInt32, KernelSet.Tiles32, KernelSet.Tiles32)] = [
                (2, KernelSet.base.q4_0, build.q4_0), (3, KernelSet.base.q4_1, build.q4_1),
                (6, KernelSet.base.q5_0, build.q5_0), (7, KernelSet.base.q5_1, build.q5_1),
                (8, KernelSet.base.q8_0, build.q8_0),
            ]
            for (id, base, v3) in tables {
                let type = KernelTests.types.first { $0.id == id }!
                for (rows, tokens) in [(1, 1), (4, 1), (7, 1), (4, 2), (9, 3), (12, 7)] {
                    let w = KernelTests().randomRows(type: type, rows: rows, cols: cols, rng: &rng)
                    // Activations spanning the whole int8 range, including ±127 in every block.
                    var x = (0..<(tokens * cols)).map { _ in rng.float() * 4 }
                    for i in stride(from: 0, to: x.count, by: 32) { x[i + Int(rng.next() % 32)] = rng.next() % 2 == 0 ? 9 : -9 }
                    let (qs, d, s) = KernelTests.q8(x, tokens: tokens, cols: cols)
                    var a = [Float](repeating: .nan, count: tokens * rows)
                    var b = [Float](repeating: .nan, count: tokens * rows)
                    w.withUnsafeBytes { wp in
                        base(wp.baseAddress!, cols / 32 * type.bytes, 0..<rows, tokens, qs, d, s, cols, &a, rows, false)
                        v3(wp.baseAddress!, cols / 32 * type.bytes, 0..<rows, tokens, qs, d, s, cols, &b, rows, false)
                    }
                    #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(build.name) type \(id) cols \(cols) rows \(rows) tokens \(tokens)")
                    #expect(!a.contains { $0.isNaN })
                    compared += a.count
                    // The interleaved layout (rows a multiple of 4) gives the same bits in both builds.
                    if rows % 4 == 0 {
                        var packed = [UInt8](repeating: 0, count: w.count)
                        var c = [Float](repeating: .nan, count: tokens * rows), e = c
                        w.withUnsafeBytes { wp in
                            packed.withUnsafeMutableBytes { pp in
                                QuantTiles.interleave(wp.baseAddress!, pp.baseAddress!, rows: rows, rowBytes: cols / 32 * type.bytes, blockBytes: type.bytes)
                            }
                        }
                        if cols > 32 { #expect(packed != w) }  // one block per row: nothing moves
                        packed.withUnsafeBytes { pp in
                            base(pp.baseAddress!, cols / 32 * type.bytes, 0..<rows, tokens, qs, d, s, cols, &c, rows, true)
                            v3(pp.baseAddress!, cols / 32 * type.bytes, 0..<rows, tokens, qs, d, s, cols, &e, rows, true)
                        }
                        #expect(c.map(\.bitPattern) == a.map(\.bitPattern), "interleaved base: type \(id) rows \(rows) tokens \(tokens)")
                        #expect(e.map(\.bitPattern) == a.map(\.bitPattern), "interleaved \(build.name): type \(id) rows \(rows) tokens \(tokens)")
                        compared += 1
                    }
                }
            }
            #expect(compared == 5 * (1 + 4 + 7 + 8 + 27 + 84) + 5 * 3)
        }
    }
}

/// Attention over an F16 cache: `head` (four keys at a time, values summed with the
/// outputs in registers) equals the plain per-key loop of dotF16 and axpyF16 bit for bit,
/// in the baseline build and in the v3 build.
@Suite struct AttentionKernelTests {
    static func reference(
        q: [Float], hd: Int, last: Int, keys: [UInt16], values: [UInt16], rowElems: Int, offset: Int, scale: Float
    ) -> [Float] {
        let qr = q.map { halfToFloat(floatToHalf($0)) }
        var sc = [Float](repeating: 0, count: last + 1)
        var maxScore = -Float.infinity
        for p in 0...last {
            sc[p] = keys.withUnsafeBufferPointer { AttentionKernels.dotF16(qr, $0.baseAddress! + p * rowElems + offset, hd) } * scale
            maxScore = max(maxScore, sc[p])
        }
        var sum: Double = 0
        for p in 0...last {
            sc[p] = expf(sc[p] - maxScore)
            sum += Double(sc[p])
        }
        let inv = Float(1 / sum)
        var o = [Float](repeating: 0, count: hd)
        for p in 0...last {
            let w = halfToFloat(floatToHalf(sc[p] * inv))
            values.withUnsafeBufferPointer { AttentionKernels.axpyF16(&o, $0.baseAddress! + p * rowElems + offset, w, hd) }
        }
        return o
    }

    @Test(arguments: [64, 72, 128])
    func headEqualsPerKeyLoop(hd: Int) {
        var rng = KernelTests.Rng(s: UInt64(hd))
        let rowElems = 3 * hd, offset = hd  // the second of three KV heads
        for last in [0, 1, 2, 3, 4, 5, 7, 8, 31, 66] {
            let q = (0..<hd).map { _ in rng.float() }
            let keys = (0..<((last + 1) * rowElems)).map { _ in floatToHalf(rng.float()) }
            let values = (0..<((last + 1) * rowElems)).map { _ in floatToHalf(rng.float()) }
            let want = Self.reference(q: q, hd: hd, last: last, keys: keys, values: values, rowElems: rowElems, offset: offset, scale: 0.125)
            let heads = KernelSet.runnable.map { ($0.name, $0.attendHead) }
            for (name, head) in heads {
                var qbuf = [Float](repeating: 0, count: hd), scores = [Float](repeating: 0, count: last + 1)
                var out = [Float](repeating: .nan, count: hd)
                keys.withUnsafeBytes { k in
                    values.withUnsafeBytes { v in
                        head(q, hd, last, k.baseAddress!, v.baseAddress!, 2 * rowElems, offset, true, 0.125, &qbuf, &scores, &out)
                    }
                }
                #expect(out.map(\.bitPattern) == want.map(\.bitPattern), "\(name) hd \(hd) last \(last)")
            }
        }
    }
}

/// K-quant rows: the higher builds (AVX2 integer sums) against the baseline build
/// (QuantDot's reference loops), bit for bit, on random blocks and activations.
@Suite struct KQuantLevelTests {
    @Test(arguments: [256, 768])
    func higherBuildsEqualReference(cols: Int) {
        for build in KernelLevelTests.higherBuilds {
        var rng = KernelTests.Rng(s: UInt64(cols) &+ 12345)
        let nb = cols / 256
        // (type, block bytes, half-scale offsets, base tiles, v3 tiles)
        let types: [(String, Int, [Int], KernelSet.TilesK, KernelSet.TilesK)] = [
            ("q4_K", 144, [0, 2], KernelSet.base.q4_K, build.q4_K),
            ("q5_K", 176, [0, 2], KernelSet.base.q5_K, build.q5_K),
            ("q6_K", 210, [208], KernelSet.base.q6_K, build.q6_K),
        ]
        var compared = 0
        for (name, bytes, halves, base, v3) in types {
            for (rows, tokens) in [(1, 1), (5, 1), (3, 4)] {
                let w = KernelTests.randomKBlocks(count: rows * nb, bytes: bytes, halves: halves, rng: &rng)
                let (qs, d, bs) = KernelTests.randomQ8K(tokens: tokens, cols: cols, rng: &rng)
                var a = [Float](repeating: .nan, count: rows * tokens), b = a
                w.withUnsafeBytes { wp in
                    base(wp.baseAddress!, nb * bytes, 0..<rows, tokens, qs, d, bs, cols, &a, rows)
                    v3(wp.baseAddress!, nb * bytes, 0..<rows, tokens, qs, d, bs, cols, &b, rows)
                }
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(build.name) \(name) cols \(cols) rows \(rows) tokens \(tokens)")
                #expect(!a.contains { $0.isNaN })
                compared += a.count
            }
        }
        #expect(compared == 3 * (1 + 5 + 12))
        }
    }
}
