import Testing
#if canImport(Glibc)
    import Glibc
#endif
import CLlamaSwiftCPU
import LlamaSwiftFormats
@testable import LlamaSwiftKernels
@testable import LlamaSwiftEngine

/// Every CPU-level build of the kernels computes the same bits: the higher builds this
/// CPU runs (x86-64-v3: AVX2 intrinsics, vpmaddubsw/vpmaddwd; x86-64-v4: the same
/// sources for AVX-512) against the baseline build (portable SIMD), which KernelTests
/// ties to the Q32Reference reference.
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

    /// The 32-element reference (Q32Reference, compiled in every build) for row r, token t.
    static func reference32(
        _ type: WeightType, _ w: [UInt8], row r: Int, token t: Int, cols: Int, _ qs: [Int8], _ d: [Float], _ s: [Float]
    ) -> Float {
        let nb = cols / 32
        return w.withUnsafeBytes { wp in
            qs.withUnsafeBufferPointer { q in
                d.withUnsafeBufferPointer { dp in
                    s.withUnsafeBufferPointer { sp in
                        let row = wp.baseAddress! + r * nb * type.blockBytes
                        let a = q.baseAddress! + t * cols, dd = dp.baseAddress! + t * nb, ss = sp.baseAddress! + t * nb
                        switch type {
                        case .q4_0: return Q32Reference.q4_0(row, a, dd, nb)
                        case .q4_1: return Q32Reference.q4_1(row, a, dd, ss, nb)
                        case .q5_0: return Q32Reference.q5_0(row, a, dd, nb)
                        case .q5_1: return Q32Reference.q5_1(row, a, dd, ss, nb)
                        default: return Q32Reference.q8_0(row, a, dd, nb)
                        }
                    }
                }
            }
        }
    }

    /// Every build this CPU runs (the baseline always), in the file's rows and interleaved
    /// by 4 rows, against the scalar reference in the same process.
    @Test(arguments: [32, 96, 2048])
    func tilesOfEveryBuildEqualTheReferenceBitForBit(cols: Int) throws {
        var compared = 0
        for build in KernelSet.runnable {
            var rng = KernelTests.Rng(s: UInt64(cols) &* 977)
            let rowsLayout = build.layout(named: Q32Tiles.rowsLayout.name)
            let interleaved = build.layout(named: Q32Tiles.interleavedLayout.name)
            for type in [WeightType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0] {
                for (rows, tokens) in [(1, 1), (4, 1), (7, 1), (4, 2), (9, 3), (12, 7)] {
                    let w = KernelTests().randomRows(
                        type: (type.rawValue, type.blockBytes), rows: rows, cols: cols, rng: &rng)
                    // Activations spanning the whole int8 range, including ±127 in every block.
                    var x = (0..<(tokens * cols)).map { _ in rng.float() * 4 }
                    for i in stride(from: 0, to: x.count, by: 32) {
                        x[i + Int(rng.next() % 32)] = rng.next() % 2 == 0 ? 9 : -9
                    }
                    let (qs, d, s) = KernelTests.q8(x, tokens: tokens, cols: cols)
                    var want = [Float](repeating: .nan, count: tokens * rows)
                    for t in 0..<tokens {
                        for r in 0..<rows {
                            want[t * rows + r] = Self.reference32(type, w, row: r, token: t, cols: cols, qs, d, s)
                        }
                    }
                    #expect(!want.contains { $0.isNaN })
                    var a = [Float](repeating: .nan, count: tokens * rows)
                    w.withUnsafeBytes { wp in
                        rowsLayout.callMultiply(
                            wp.baseAddress!, type: type, cols: cols, rows: 0..<rows, tokens: tokens, values: qs,
                            scales: d,
                            scaledSums: s, out: &a, outStride: rows)
                    }
                    #expect(
                        a.map(\.bitPattern) == want.map(\.bitPattern),
                        "\(build.name) \(type) cols \(cols) rows \(rows) tokens \(tokens)")
                    compared += a.count
                    // The interleaved layout (rows a multiple of 4) gives the same bits.
                    guard interleaved.accepts(type, rows) else { continue }
                    var packed = [UInt8](repeating: 0, count: w.count)
                    w.withUnsafeBytes { wp in
                        packed.withUnsafeMutableBytes { pp in
                            interleaved.packing!.pack(
                                PackOperands(
                                    source: wp.baseAddress!, destination: pp.baseAddress!, type: type, rows: rows,
                                    cols: cols,
                                    rowBytes: type.rowBytes(cols)!))
                        }
                    }
                    if cols > 32 { #expect(packed != w) }  // one block per row: nothing moves
                    var c = [Float](repeating: .nan, count: tokens * rows)
                    packed.withUnsafeBytes { pp in
                        interleaved.callMultiply(
                            pp.baseAddress!, type: type, cols: cols, rows: 0..<rows, tokens: tokens, values: qs,
                            scales: d,
                            scaledSums: s, out: &c, outStride: rows)
                    }
                    #expect(
                        c.map(\.bitPattern) == want.map(\.bitPattern),
                        "interleaved \(build.name): \(type) rows \(rows) tokens \(tokens)")
                    compared += c.count
                }
            }
        }
        // Rows only: 1+4+7+8+27+84 outputs per type; interleaved adds the 4-, 8- and 84-output cases.
        #expect(compared == KernelSet.runnable.count * 5 * ((1 + 4 + 7 + 8 + 27 + 84) + (4 + 8 + 84)))
        #expect(compared > 0)
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
            sc[p] =
                keys.withUnsafeBufferPointer {
                    AttentionKernels.dotF16(qr, $0.baseAddress! + p * rowElems + offset, hd)
                } * scale
            maxScore = max(maxScore, sc[p])
        }
        // The baseline build's softmax exponentials: every build must give its bits.
        let sum = sc.withUnsafeMutableBufferPointer {
            AttentionKernels.exponentials($0.baseAddress!, last + 1, minus: maxScore)
        }
        let inv = Float(1 / sum)
        var o = [Float](repeating: 0, count: hd)
        for p in 0...last {
            let w = halfToFloat(floatToHalf(sc[p] * inv))
            values.withUnsafeBufferPointer {
                AttentionKernels.axpyF16(&o, $0.baseAddress! + p * rowElems + offset, w, hd)
            }
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
            let want = Self.reference(
                q: q, hd: hd, last: last, keys: keys, values: values, rowElems: rowElems, offset: offset, scale: 0.125)
            let heads = KernelSet.runnable.map { ($0.name, $0.attendHead) }
            for (name, head) in heads {
                var qbuf = [Float](repeating: 0, count: hd), scores = [Float](repeating: 0, count: last + 1)
                var out = [Float](repeating: .nan, count: hd)
                keys.withUnsafeBytes { k in
                    values.withUnsafeBytes { v in
                        head(
                            AttentionOperands(
                                query: q, headDim: hd, last: last, keys: k.baseAddress!, values: v.baseAddress!,
                                rowBytes: 2 * rowElems, kvOffset: offset, f16: true, scale: 0.125, queryScratch: &qbuf,
                                scores: &scores, out: &out))
                    }
                }
                #expect(out.map(\.bitPattern) == want.map(\.bitPattern), "\(name) hd \(hd) last \(last)")
            }
        }
    }
}

extension AttentionKernelTests {
    /// exp8 (the softmax's 8-lane exponential) within 2 ulp of libm's expf over the
    /// softmax's range, exactly 1 at 0, 0 below −87.7 and at −∞, NaN for NaN; and a row's
    /// exponentials: blocks of 8 through exp8 summed in ggml's AVX2 order, the tail
    /// through expf.
    @Test func exp8WithinTwoUlpOfExpf() {
        var rng = KernelTests.Rng(s: 99)
        var xs: [Float] = [0, -0.0, -1e-30, -1e-7, -0.5, -0.34657359, -0.6931472, -1, -10, -50, -86.9, -86.99]
        for _ in 0..<200_000 { xs.append(-87 * abs(rng.float())) }
        for _ in 0..<20_000 { xs.append(-abs(rng.float()) * 1e-3) }
        while xs.count % 8 != 0 { xs.append(-2) }
        var worst: UInt32 = 0
        for b in stride(from: 0, to: xs.count, by: 8) {
            let e = AttentionKernels.exp8(SIMD8(xs[b..<(b + 8)]))
            for j in 0..<8 {
                let want = expf(xs[b + j])
                let a = e[j].bitPattern, w = want.bitPattern
                worst = max(worst, a > w ? a - w : w - a)
            }
        }
        #expect(worst <= 2, "exp8 is \(worst) ulp from expf")
        #expect(AttentionKernels.exp8(SIMD8(repeating: 0)) == SIMD8(repeating: 1))
        let special = AttentionKernels.exp8(SIMD8(-.infinity, -88, -1000, .nan, -87.5, 0, 0, 0))
        #expect(special[5] == 1)
        #expect(special[0] == 0 && special[1] == 0 && special[2] == 0)
        #expect(special[4] >= 0 && special[4] < 1.2e-38)
        #expect(special[3].isNaN)

        var row: [Float] = (0..<13).map { -Float($0) * 0.7 }
        let sum = row.withUnsafeMutableBufferPointer { AttentionKernels.exponentials($0.baseAddress!, 13, minus: 0) }
        let block = AttentionKernels.exp8(SIMD8((0..<8).map { -Float($0) * 0.7 }))
        var want = Double(
            ((block[0] + block[4]) + (block[2] + block[6])) + ((block[1] + block[5]) + (block[3] + block[7])))
        for j in 0..<8 { #expect(row[j] == block[j]) }
        for j in 8..<13 {
            #expect(row[j] == expf(-Float(j) * 0.7))
            want += Double(expf(-Float(j) * 0.7))
        }
        #expect(sum == want)
    }

    /// AttentionKernels.group (every build this CPU runs) against attendHead of the same
    /// build per (token, head), bit for bit: group sizes 1 … 7, tiles of 1 … 8 tokens,
    /// head dims with and without a tail past 32 and 8 elements, windows, positions.
    @Test(arguments: [40, 64, 72, 96, 128, 256])
    func groupEqualsHeadPerQuery(hd: Int) {
        var rng = KernelTests.Rng(s: UInt64(hd) &* 31)
        var compared = 0
        for (heads, kvHeads, tokens, firstPosition, window) in [
            (1, 1, 1, 0, 0), (3, 3, 1, 40, 0), (2, 1, 3, 0, 0), (4, 2, 8, 13, 0), (5, 1, 5, 7, 4), (7, 1, 2, 29, 0),
            (6, 2, 8, 50, 16), (3, 1, 8, 0, 3),
        ] {
            let group = heads / kvHeads, Q = heads * hd, last = firstPosition + tokens - 1
            let rowElems = kvHeads * hd
            let keys = (0..<((last + 1) * rowElems)).map { _ in floatToHalf(rng.float()) }
            let values = (0..<((last + 1) * rowElems)).map { _ in floatToHalf(rng.float()) }
            let queries = (0..<(tokens * Q)).map { _ in rng.float() }
            for build in KernelSet.runnable {
                var want = [Float](repeating: .nan, count: tokens * Q), got = want
                keys.withUnsafeBytes { k in
                    values.withUnsafeBytes { v in
                        for t in 0..<tokens {
                            for h in 0..<heads {
                                let pos = firstPosition + t
                                let first = window > 0 ? max(0, pos - window + 1) : 0
                                var qbuf = [Float](repeating: 0, count: hd)
                                var sc = [Float](repeating: 0, count: pos + 1)
                                queries.withUnsafeBufferPointer { q in
                                    want.withUnsafeMutableBufferPointer { o in
                                        build.attendHead(
                                            AttentionOperands(
                                                query: q.baseAddress! + t * Q + h * hd, headDim: hd, last: pos - first,
                                                keys: k.baseAddress! + first * 2 * rowElems,
                                                values: v.baseAddress! + first * 2 * rowElems, rowBytes: 2 * rowElems,
                                                kvOffset: (h / group) * hd, f16: true, scale: 0.3, queryScratch: &qbuf,
                                                scores: &sc, out: o.baseAddress! + t * Q + h * hd))
                                    }
                                }
                            }
                        }
                        for kvh in 0..<kvHeads {
                            var qr = [Float](repeating: .nan, count: group * tokens * hd)
                            var kf = [Float](repeating: .nan, count: hd)
                            var sc = [Float](repeating: .nan, count: group * tokens * (last + 1))
                            queries.withUnsafeBufferPointer { q in
                                got.withUnsafeMutableBufferPointer { o in
                                    build.attendGroup(
                                        AttentionGroupOperands(
                                            queries: q.baseAddress! + kvh * group * hd, heads: group, tokens: tokens,
                                            tokenStride: Q, headDim: hd, firstPosition: firstPosition, window: window,
                                            keys: k.baseAddress!, values: v.baseAddress!, rowBytes: 2 * rowElems,
                                            kvOffset: kvh * hd, scale: 0.3, queryScratch: &qr, keyScratch: &kf,
                                            scores: &sc, out: o.baseAddress! + kvh * group * hd))
                                }
                            }
                        }
                    }
                }
                #expect(!want.contains { $0.isNaN })
                #expect(
                    got.map(\.bitPattern) == want.map(\.bitPattern),
                    "\(build.name) hd \(hd) heads \(heads)/\(kvHeads) tokens \(tokens) at \(firstPosition) window \(window)"
                )
                compared += 1
            }
        }
        #expect(compared >= 8)
    }
}

/// K-quant rows: every build this CPU runs (AVX2 integer sums in v3/v4, the reference
/// loops in the baseline) against KQuantReference's reference loops, bit for bit, in one process.
@Suite struct KQuantLevelTests {
    @Test(arguments: [256, 768])
    func everyBuildEqualsReference(cols: Int) {
        var compared = 0
        for build in KernelSet.runnable {
            var rng = KernelTests.Rng(s: UInt64(cols) &+ 12345)
            let nb = cols / 256
            let layout = build.layout(named: KQuantRows.layout.name)
            // (type, half-scale offsets)
            for (type, halves) in [(WeightType.q4_K, [0, 2]), (.q5_K, [0, 2]), (.q6_K, [208])] {
                for (rows, tokens) in [(1, 1), (5, 1), (3, 4)] {
                    let w = KernelTests.randomKBlocks(
                        count: rows * nb, bytes: type.blockBytes, halves: halves, rng: &rng)
                    let (qs, d, bs) = KernelTests.randomQ8K(tokens: tokens, cols: cols, rng: &rng)
                    var want = [Float](repeating: .nan, count: rows * tokens), got = want
                    w.withUnsafeBytes { wp in
                        for t in 0..<tokens {
                            for r in 0..<rows {
                                let row = wp.baseAddress! + r * nb * type.blockBytes
                                want[t * rows + r] = qs.withUnsafeBufferPointer { q in
                                    d.withUnsafeBufferPointer { dp in
                                        bs.withUnsafeBufferPointer { b in
                                            let a = q.baseAddress! + t * cols, dd = dp.baseAddress! + t * nb
                                            return type == .q6_K
                                                ? KQuantReference.q6_K(row, a, dd, nb)
                                                : KQuantReference.q45_K(
                                                    row, a, dd, b.baseAddress! + t * nb * 16, nb, five: type == .q5_K)
                                        }
                                    }
                                }
                            }
                        }
                        layout.callMultiply(
                            wp.baseAddress!, type: type, cols: cols, rows: 0..<rows, tokens: tokens, values: qs,
                            scales: d,
                            sums: bs, out: &got, outStride: rows)
                    }
                    #expect(
                        got.map(\.bitPattern) == want.map(\.bitPattern),
                        "\(build.name) \(type) cols \(cols) rows \(rows) tokens \(tokens)")
                    #expect(!want.contains { $0.isNaN })
                    compared += got.count
                }
            }
        }
        #expect(compared == KernelSet.runnable.count * 3 * (1 + 5 + 12))
        #expect(compared > 0)
    }
}
