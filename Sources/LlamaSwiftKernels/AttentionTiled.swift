import CLlamaSwiftCPU
import LlamaSwiftFormats

/// The tiled form of attention over an F16 or Q8_0 cache (flash-attention style; each
/// key and value row converted to floats first, Q8_0Rows.swift): the keys are
/// taken in blocks of 16 positions (each block starting at a multiple of 16), and each
/// query keeps a running max m, a running sum l of exponentials and an unnormalised
/// output O instead of a whole score row; blocks are grouped in segments of
/// AttentionGroupOperands.segmentLength positions, each reduced from a fresh state, and
/// the segments merged in position order.
///
/// Every quantity is defined per (query, key) or per (query, element), so two forms
/// compute the same bits: the *lane form* (eight queries in the lanes of a vector, every
/// key element broadcast: no horizontal sum per key), for tiles with many queries, and
/// the *row form* (one query at a time, head elements in the lanes), for a decode step's
/// few queries. Per query and key block:
/// - score: the query rounded to F16; eight fused chains a_j over elements d ≡ j (mod 8),
///   from zero, in element order; s = ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)); s·scale.
/// - m' = max(m, the block's scores); when m' ≠ m: f = exp(m − m'), l ← l·f, O ← O·f.
/// - p = exp(s − m') per key (0 for a score of −∞), l ← l + p, O ← fma(p, v, O), keys in
///   position order.
/// - merge of state B into A: M = max(mA, mB), fX = 1 if mX = M else exp(mX − M),
///   l = lA·fA + lB·fB, O = OA·fA + OB·fB; output O·(1/l).
/// exp is exp8 (SoftmaxExp.swift), lane by lane. The lane form also visits keys outside a
/// query's row (masked to −∞: p = 0, a multiplication by 1 or an addition of 0), which
/// changes nothing but the sign of an output that is exactly zero.
extension AttentionKernels {
    static let keyBlock = 16

    /// The tiled form for every token of `o` (all of them attend to more than
    /// o.exactRows rows), for `o.pass` (`.whole`, `.segment` or `.merge`).
    static func tiled(_ o: AttentionGroupOperands) {
        let hd = o.headDim, queries = o.heads * o.tokens
        let scratch = TiledScratch(o.scores, headDim: hd, queries: queries)
        if case .merge(let segments) = o.pass {
            mergePartials(o, segments: segments, scratch)
            return
        }
        if case .segment(let s) = o.pass {
            // Queries whose rows miss the segment keep this empty state.
            writeEmpty(o, segment: s, from: 0, count: queries)
        }
        // Lane form for whole groups of eight queries (and a last group of five or more),
        // row form for the rest.
        let lanes = queries % 8 >= 5 ? queries : queries - queries % 8
        if lanes > 0 { laneGroups(o, count: lanes, scratch) }
        if lanes < queries { rowGroup(o, from: lanes, count: queries - lanes, scratch) }
    }

    /// The segments (absolute indices) that token range [lo, hi] of keys touches, as
    /// the key range of each: calls body(segment, firstKey, lastKey).
    @inline(__always)
    static func forEachSegment(_ o: AttentionGroupOperands, lo: Int, hi: Int, _ body: (Int, Int, Int) -> Void) {
        let S = AttentionGroupOperands.segmentLength
        if case .segment(let s) = o.pass {
            let a = max(lo, s * S), b = min(hi, s * S + S - 1)
            if a <= b { body(s, a, b) }
            return
        }
        var s = lo / S
        while s * S <= hi {
            body(s, max(lo, s * S), min(hi, s * S + S - 1))
            s += 1
        }
    }

    /// K and V rows lo..<hi (within one block) of this head, as floats: kf and vf hold
    /// 16 rows of hd floats.
    @inline(__always)
    static func convertBlock(
        _ o: AttentionGroupOperands, _ lo: Int, _ hi: Int, _ kf: UnsafeMutablePointer<Float>,
        _ vf: UnsafeMutablePointer<Float>
    ) {
        let hd = o.headDim
        for k in lo..<hi {
            rowToFloats(o.keyFormat, o.keyHead(k), kf + (k - lo) * hd, hd)
            rowToFloats(o.valueFormat, o.valueHead(k), vf + (k - lo) * hd, hd)
        }
    }

    /// Prefetches the K and V rows lo..<hi of this head.
    @inline(__always)
    static func prefetchRows(_ o: AttentionGroupOperands, _ lo: Int, _ hi: Int) {
        let kn = o.keyFormat.bytes(o.headDim), vn = o.valueFormat.bytes(o.headDim)
        var k = lo
        while k < hi {
            let kr = o.keyHead(k), vr = o.valueHead(k)
            var byte = 0
            while byte < kn {
                lsk_prefetch(kr + byte)
                byte += 64
            }
            byte = 0
            while byte < vn {
                lsk_prefetch(vr + byte)
                byte += 64
            }
            k += 1
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Lane-wise max (the larger of each pair; a NaN in `b` is skipped, as the row form's
    /// scalar max skips it: a NaN score makes its exponential, and so the output, NaN
    /// in both forms). Written out because the generic pointwiseMax is not inlined.
    @inline(__always)
    static func max8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    /// The merge weights of the class comment: 1 where the max is already M, else exp.
    @inline(__always)
    static func mergeFactor(_ m: SIMD8<Float>, _ M: SIMD8<Float>) -> SIMD8<Float> {
        var f = exp8(m - M)
        f.replace(with: 1, where: m .== M)
        return f
    }

    // MARK: lane form

    /// Queries 0..<count (m = t·heads + g) in the lanes of vectors, eight per lane group.
    /// Block by block (16 keys): the block's K and V rows converted to floats once, into
    /// scratch that stays in the L1 cache, then taken by every lane group whose rows meet
    /// the block. Each group keeps its segment state (m, l, O) in its own scratch, so a
    /// group's operations are exactly those of a group taken alone.
    ///
    /// Why block by block, not segment by segment: a segment's converted rows (2 × 256 ×
    /// hd floats, 128 KiB at hd 64) do not fit in L1, and converting them all before any
    /// arithmetic left the cache reads (mostly from DRAM at depth) unhidden; a block's
    /// conversion overlaps the previous block's arithmetic.
    static func laneGroups(_ o: AttentionGroupOperands, count: Int, _ w: TiledScratch) {
        let hd = o.headDim, H = o.heads
        let groups = (count + 7) / 8
        var lo = Int.max, hi = -1
        for gi in 0..<groups {
            let m = gi * 8
            // Queries rounded to F16, transposed: qt[d·8 + lane]; lanes past count are zero.
            let g = w.laneGroup(gi, headDim: hd)
            g.qt.update(repeating: 0, count: 8 * hd)
            g.oA.update(repeating: 0, count: 8 * hd)
            var firsts = SIMD8<Int32>(repeating: Int32.max), lasts = SIMD8<Int32>(repeating: -1)
            for j in 0..<min(8, count - m) {
                let t = (m + j) / H, h = (m + j) % H
                roundQueryToHalf(o.queries + t * o.tokenStride + h * hd, w.query, hd)
                for d in 0..<hd { g.qt[d * 8 + j] = w.query[d] }
                firsts[j] = Int32(o.firstRow(t))
                lasts[j] = Int32(o.firstPosition + t)
                lo = min(lo, o.firstRow(t))
                hi = max(hi, o.firstPosition + t)
            }
            store8(SIMD8(repeating: -.infinity), g.ml)
            store8(SIMD8(), g.ml + 8)
            UnsafeMutableRawPointer(g.rows).storeBytes(of: firsts, as: SIMD8<Int32>.self)
            UnsafeMutableRawPointer(g.rows + 8).storeBytes(of: lasts, as: SIMD8<Int32>.self)
            UnsafeMutableRawPointer(g.rows + 16).storeBytes(of: firsts.min(), as: Int32.self)
            UnsafeMutableRawPointer(g.rows + 17).storeBytes(of: lasts.max(), as: Int32.self)
        }
        forEachSegment(o, lo: lo, hi: hi) { seg, a, b in
            let segFirst = seg * AttentionGroupOperands.segmentLength
            // A fresh state for every group whose rows meet the segment.
            for gi in 0..<groups {
                let g = w.laneGroup(gi, headDim: hd)
                guard g.meets(segFirst, b) else { continue }
                store8(SIMD8(repeating: -.infinity), g.ml + 16)
                store8(SIMD8(), g.ml + 24)
                g.oS.update(repeating: 0, count: 8 * hd)
            }
            var block = a - a % keyBlock
            while block <= b {
                let k0 = max(block, a), k1 = min(block + keyBlock, b + 1)
                convertBlock(o, k0, k1, w.keys, w.values)
                // The next block's rows, on their way while this block's arithmetic
                // runs (at depth the cache is read from DRAM).
                prefetchRows(o, block + keyBlock, min(block + 2 * keyBlock, hi + 1))
                // Two groups over the same keys (every block but the last ones of a
                // causal tile) share their value pass.
                var pending = -1, p0 = 0, p1 = 0
                for gi in 0..<groups {
                    let g = w.laneGroup(gi, headDim: hd)
                    let r0 = max(k0, g.firstRow), r1 = min(k1, g.lastRow + 1)
                    guard r0 < r1 else { continue }
                    laneBlock(g, hd: hd, scale: o.scale, r0, r1, w.keys + (r0 - k0) * hd)
                    if pending >= 0, p0 == r0, p1 == r1 {
                        laneValues2(w.laneGroup(pending, headDim: hd), g, hd: hd, r1 - r0, w.values + (r0 - k0) * hd)
                        pending = -1
                        continue
                    }
                    if pending >= 0 {
                        laneValues(w.laneGroup(pending, headDim: hd), hd: hd, p1 - p0, w.values + (p0 - k0) * hd)
                    }
                    pending = gi
                    p0 = r0
                    p1 = r1
                }
                if pending >= 0 {
                    laneValues(w.laneGroup(pending, headDim: hd), hd: hd, p1 - p0, w.values + (p0 - k0) * hd)
                }
                block += keyBlock
            }
            for gi in 0..<groups {
                let g = w.laneGroup(gi, headDim: hd)
                guard g.meets(segFirst, b) else { continue }
                let m = load8(g.ml + 16), l = load8(g.ml + 24)
                if case .segment = o.pass {
                    // This segment's state, per query.
                    let stride = hd + 2
                    let base = o.partials! + seg * H * o.tokens * stride
                    for j in 0..<min(8, count - gi * 8) {
                        let p = base + (gi * 8 + j) * stride
                        p[0] = m[j]
                        p[1] = l[j]
                        for d in 0..<hd { p[2 + d] = g.oS[d * 8 + j] }
                    }
                    continue
                }
                let mA = load8(g.ml), lA = load8(g.ml + 8)
                let M = max8(mA, m)
                let fA = mergeFactor(mA, M), fS = mergeFactor(m, M)
                store8(lA * fA + l * fS, g.ml + 8)
                store8(M, g.ml)
                for d in 0..<hd { store8(load8(g.oA + d * 8) * fA + load8(g.oS + d * 8) * fS, g.oA + d * 8) }
            }
        }
        if case .segment = o.pass { return }
        for gi in 0..<groups {
            let m = gi * 8
            let g = w.laneGroup(gi, headDim: hd)
            let inv = 1 / load8(g.ml + 8)
            for j in 0..<min(8, count - m) {
                let t = (m + j) / H, h = (m + j) % H
                let out = o.out + t * o.tokenStride + h * hd
                for d in 0..<hd { out[d] = g.oA[d * 8 + j] * inv[j] }
            }
        }
    }

    /// The 8-chain score of one key for a lane group: ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
    @inline(__always)
    static func chainSum(
        _ a0: SIMD8<Float>, _ a1: SIMD8<Float>, _ a2: SIMD8<Float>, _ a3: SIMD8<Float>, _ a4: SIMD8<Float>,
        _ a5: SIMD8<Float>, _ a6: SIMD8<Float>, _ a7: SIMD8<Float>
    ) -> SIMD8<Float> {
        ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))
    }

    /// One lane group's step over keys r0..<r1 of one block (their K rows as floats at
    /// `keys`, hd apart), up to the value pass: scores, the running max, O rescaled,
    /// the exponentials p (into g.sc) — the class comment's per-block step, on the
    /// group's segment state; laneValues or laneValues2 then adds p·v.
    @inline(__always)
    static func laneBlock(
        _ g: TiledScratch.LaneGroup, hd: Int, scale: Float, _ r0: Int, _ r1: Int, _ keys: UnsafePointer<Float>
    ) {
        let qt = g.qt, oS = g.oS, sc = g.sc
        let firsts = UnsafeRawPointer(g.rows).loadUnaligned(as: SIMD8<Int32>.self)
        let lasts = UnsafeRawPointer(g.rows + 8).loadUnaligned(as: SIMD8<Int32>.self)
        let n = r1 - r0
        // Scores, two keys at a time (each query vector loaded once for both).
        var k = 0
        while k + 2 <= n {
            let kr = keys + k * hd, kr2 = kr + hd
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            var b4 = SIMD8<Float>(), b5 = SIMD8<Float>(), b6 = SIMD8<Float>(), b7 = SIMD8<Float>()
            var d = 0
            while d < hd {
                let q = qt + d * 8
                var x = load8(q)
                a0.addProduct(x, SIMD8(repeating: kr[d]))
                b0.addProduct(x, SIMD8(repeating: kr2[d]))
                x = load8(q + 8)
                a1.addProduct(x, SIMD8(repeating: kr[d + 1]))
                b1.addProduct(x, SIMD8(repeating: kr2[d + 1]))
                x = load8(q + 16)
                a2.addProduct(x, SIMD8(repeating: kr[d + 2]))
                b2.addProduct(x, SIMD8(repeating: kr2[d + 2]))
                x = load8(q + 24)
                a3.addProduct(x, SIMD8(repeating: kr[d + 3]))
                b3.addProduct(x, SIMD8(repeating: kr2[d + 3]))
                x = load8(q + 32)
                a4.addProduct(x, SIMD8(repeating: kr[d + 4]))
                b4.addProduct(x, SIMD8(repeating: kr2[d + 4]))
                x = load8(q + 40)
                a5.addProduct(x, SIMD8(repeating: kr[d + 5]))
                b5.addProduct(x, SIMD8(repeating: kr2[d + 5]))
                x = load8(q + 48)
                a6.addProduct(x, SIMD8(repeating: kr[d + 6]))
                b6.addProduct(x, SIMD8(repeating: kr2[d + 6]))
                x = load8(q + 56)
                a7.addProduct(x, SIMD8(repeating: kr[d + 7]))
                b7.addProduct(x, SIMD8(repeating: kr2[d + 7]))
                d += 8
            }
            store8(chainSum(a0, a1, a2, a3, a4, a5, a6, a7), sc + k * 8)
            store8(chainSum(b0, b1, b2, b3, b4, b5, b6, b7), sc + k * 8 + 8)
            k += 2
        }
        if k < n {
            let kr = keys + k * hd
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
            var d = 0
            while d < hd {
                let q = qt + d * 8
                a0.addProduct(load8(q), SIMD8(repeating: kr[d]))
                a1.addProduct(load8(q + 8), SIMD8(repeating: kr[d + 1]))
                a2.addProduct(load8(q + 16), SIMD8(repeating: kr[d + 2]))
                a3.addProduct(load8(q + 24), SIMD8(repeating: kr[d + 3]))
                a4.addProduct(load8(q + 32), SIMD8(repeating: kr[d + 4]))
                a5.addProduct(load8(q + 40), SIMD8(repeating: kr[d + 5]))
                a6.addProduct(load8(q + 48), SIMD8(repeating: kr[d + 6]))
                a7.addProduct(load8(q + 56), SIMD8(repeating: kr[d + 7]))
                d += 8
            }
            store8(chainSum(a0, a1, a2, a3, a4, a5, a6, a7), sc + k * 8)
        }
        // Scaled, masked to −∞ outside each lane's row, and the block's max.
        let scaleV = SIMD8<Float>(repeating: scale)
        var bmax = SIMD8<Float>(repeating: -.infinity)
        for k in 0..<n {
            var s = load8(sc + k * 8) * scaleV
            let kk = SIMD8<Int32>(repeating: Int32(r0 + k))
            s.replace(with: -.infinity, where: (kk .< firsts) .| (kk .> lasts))
            store8(s, sc + k * 8)
            bmax = max8(bmax, s)
        }
        var m = load8(g.ml + 16), l = load8(g.ml + 24)
        let mNew = max8(m, bmax)
        if any(mNew .!= m) {
            let f = mergeFactor(m, mNew)
            l = l * f
            for d in 0..<hd { store8(load8(oS + d * 8) * f, oS + d * 8) }
            m = mNew
        }
        for k in 0..<n {
            let s = load8(sc + k * 8)
            var p = exp8(s - m)
            p.replace(with: 0, where: s .== -.infinity)
            l = l + p
            store8(p, sc + k * 8)
        }
        store8(m, g.ml + 16)
        store8(l, g.ml + 24)
    }

    /// O[d] += p_k · v_k[d] for one lane group (p in g.sc): per element, keys in order.
    @inline(__always)
    static func laneValues(_ g: TiledScratch.LaneGroup, hd: Int, _ n: Int, _ values: UnsafePointer<Float>) {
        let oS = g.oS, sc = g.sc
        var d = 0
        while d < hd {
            var o0 = load8(oS + d * 8), o1 = load8(oS + d * 8 + 8)
            var o2 = load8(oS + d * 8 + 16), o3 = load8(oS + d * 8 + 24)
            var o4 = load8(oS + d * 8 + 32), o5 = load8(oS + d * 8 + 40)
            var o6 = load8(oS + d * 8 + 48), o7 = load8(oS + d * 8 + 56)
            for k in 0..<n {
                let p = load8(sc + k * 8), vr = values + k * hd + d
                o0.addProduct(p, SIMD8(repeating: vr[0]))
                o1.addProduct(p, SIMD8(repeating: vr[1]))
                o2.addProduct(p, SIMD8(repeating: vr[2]))
                o3.addProduct(p, SIMD8(repeating: vr[3]))
                o4.addProduct(p, SIMD8(repeating: vr[4]))
                o5.addProduct(p, SIMD8(repeating: vr[5]))
                o6.addProduct(p, SIMD8(repeating: vr[6]))
                o7.addProduct(p, SIMD8(repeating: vr[7]))
            }
            store8(o0, oS + d * 8)
            store8(o1, oS + d * 8 + 8)
            store8(o2, oS + d * 8 + 16)
            store8(o3, oS + d * 8 + 24)
            store8(o4, oS + d * 8 + 32)
            store8(o5, oS + d * 8 + 40)
            store8(o6, oS + d * 8 + 48)
            store8(o7, oS + d * 8 + 56)
            d += 8
        }
    }

    /// laneValues for two lane groups over the same keys: each value element broadcast
    /// once for both (the loads per multiply-add fall from 9/8 to 5/8 on AVX-512, from
    /// 9/8 to 6/8 with 16 registers). Each output element's sum is the same sequence of
    /// fused multiply-adds as laneValues'.
    @inline(__always)
    static func laneValues2(
        _ g: TiledScratch.LaneGroup, _ h: TiledScratch.LaneGroup, hd: Int, _ n: Int, _ values: UnsafePointer<Float>
    ) {
        let oA = g.oS, pA = g.sc, oB = h.oS, pB = h.sc
        var d = 0
        #if LLAMASWIFT_VNNI
            // 32 registers: eight elements (16 accumulators) at a time.
            while d < hd {
                var a0 = load8(oA + d * 8), a1 = load8(oA + d * 8 + 8)
                var a2 = load8(oA + d * 8 + 16), a3 = load8(oA + d * 8 + 24)
                var a4 = load8(oA + d * 8 + 32), a5 = load8(oA + d * 8 + 40)
                var a6 = load8(oA + d * 8 + 48), a7 = load8(oA + d * 8 + 56)
                var b0 = load8(oB + d * 8), b1 = load8(oB + d * 8 + 8)
                var b2 = load8(oB + d * 8 + 16), b3 = load8(oB + d * 8 + 24)
                var b4 = load8(oB + d * 8 + 32), b5 = load8(oB + d * 8 + 40)
                var b6 = load8(oB + d * 8 + 48), b7 = load8(oB + d * 8 + 56)
                for k in 0..<n {
                    let p = load8(pA + k * 8), q = load8(pB + k * 8), vr = values + k * hd + d
                    var v = SIMD8<Float>(repeating: vr[0])
                    a0.addProduct(p, v)
                    b0.addProduct(q, v)
                    v = SIMD8(repeating: vr[1])
                    a1.addProduct(p, v)
                    b1.addProduct(q, v)
                    v = SIMD8(repeating: vr[2])
                    a2.addProduct(p, v)
                    b2.addProduct(q, v)
                    v = SIMD8(repeating: vr[3])
                    a3.addProduct(p, v)
                    b3.addProduct(q, v)
                    v = SIMD8(repeating: vr[4])
                    a4.addProduct(p, v)
                    b4.addProduct(q, v)
                    v = SIMD8(repeating: vr[5])
                    a5.addProduct(p, v)
                    b5.addProduct(q, v)
                    v = SIMD8(repeating: vr[6])
                    a6.addProduct(p, v)
                    b6.addProduct(q, v)
                    v = SIMD8(repeating: vr[7])
                    a7.addProduct(p, v)
                    b7.addProduct(q, v)
                }
                store8(a0, oA + d * 8)
                store8(a1, oA + d * 8 + 8)
                store8(a2, oA + d * 8 + 16)
                store8(a3, oA + d * 8 + 24)
                store8(a4, oA + d * 8 + 32)
                store8(a5, oA + d * 8 + 40)
                store8(a6, oA + d * 8 + 48)
                store8(a7, oA + d * 8 + 56)
                store8(b0, oB + d * 8)
                store8(b1, oB + d * 8 + 8)
                store8(b2, oB + d * 8 + 16)
                store8(b3, oB + d * 8 + 24)
                store8(b4, oB + d * 8 + 32)
                store8(b5, oB + d * 8 + 40)
                store8(b6, oB + d * 8 + 48)
                store8(b7, oB + d * 8 + 56)
                d += 8
            }
        #else
            // 16 registers: four elements (8 accumulators) at a time.
            while d < hd {
                var a0 = load8(oA + d * 8), a1 = load8(oA + d * 8 + 8)
                var a2 = load8(oA + d * 8 + 16), a3 = load8(oA + d * 8 + 24)
                var b0 = load8(oB + d * 8), b1 = load8(oB + d * 8 + 8)
                var b2 = load8(oB + d * 8 + 16), b3 = load8(oB + d * 8 + 24)
                for k in 0..<n {
                    let p = load8(pA + k * 8), q = load8(pB + k * 8), vr = values + k * hd + d
                    var v = SIMD8<Float>(repeating: vr[0])
                    a0.addProduct(p, v)
                    b0.addProduct(q, v)
                    v = SIMD8(repeating: vr[1])
                    a1.addProduct(p, v)
                    b1.addProduct(q, v)
                    v = SIMD8(repeating: vr[2])
                    a2.addProduct(p, v)
                    b2.addProduct(q, v)
                    v = SIMD8(repeating: vr[3])
                    a3.addProduct(p, v)
                    b3.addProduct(q, v)
                }
                store8(a0, oA + d * 8)
                store8(a1, oA + d * 8 + 8)
                store8(a2, oA + d * 8 + 16)
                store8(a3, oA + d * 8 + 24)
                store8(b0, oB + d * 8)
                store8(b1, oB + d * 8 + 8)
                store8(b2, oB + d * 8 + 16)
                store8(b3, oB + d * 8 + 24)
                d += 4
            }
        #endif
    }

    /// An empty state (m = −∞, l = 0, O = 0) for queries from..<from+count of segment s.
    static func writeEmpty(_ o: AttentionGroupOperands, segment s: Int, from m0: Int, count: Int) {
        let stride = o.headDim + 2
        let base = o.partials! + s * o.heads * o.tokens * stride
        for m in m0..<(m0 + count) {
            let p = base + m * stride
            p.update(repeating: 0, count: stride)
            p[0] = -.infinity
        }
    }

    // MARK: row form

    /// Queries from..<from+count, one at a time per key block (each block's K and V rows
    /// converted once for all of them).
    static func rowGroup(_ o: AttentionGroupOperands, from m0: Int, count: Int, _ w: TiledScratch) {
        let hd = o.headDim, H = o.heads
        let qs = w.rows, oS = qs + count * hd, oA = oS + count * hd, sc = oA + count * hd
        let state = sc + 16 * count  // m, l (segment), mA, lA per query
        var lo = Int.max, hi = -1
        for j in 0..<count {
            let m = m0 + j, t = m / H, g = m % H
            roundQueryToHalf(o.queries + t * o.tokenStride + g * hd, qs + j * hd, hd)
            lo = min(lo, o.firstRow(t))
            hi = max(hi, o.firstPosition + t)
            state[4 * j + 2] = -.infinity
            state[4 * j + 3] = 0
        }
        oA.update(repeating: 0, count: count * hd)
        forEachSegment(o, lo: lo, hi: hi) { seg, a, b in
            oS.update(repeating: 0, count: count * hd)
            for j in 0..<count {
                state[4 * j] = -.infinity
                state[4 * j + 1] = 0
            }
            var block = a - a % keyBlock
            while block <= b {
                let k0 = max(block, a), k1 = min(block + keyBlock, b + 1)
                convertBlock(o, k0, k1, w.keys, w.values)
                // The next block's rows, on their way while this block's arithmetic
                // runs (at depth the cache is read from DRAM).
                prefetchRows(o, block + keyBlock, min(block + 2 * keyBlock, hi + 1))
                for j in 0..<count {
                    let t = (m0 + j) / H
                    // This query's keys in the block.
                    let r0 = max(k0, o.firstRow(t)), r1 = min(k1, o.firstPosition + t + 1)
                    guard r0 < r1 else { continue }
                    let q = qs + j * hd, s = sc + j * 16
                    var bmax = -Float.infinity
                    for k in r0..<r1 {
                        let kr = w.keys + (k - k0) * hd
                        var acc = SIMD8<Float>()
                        var d = 0
                        while d < hd {
                            acc.addProduct(load8(q + d), load8(kr + d))
                            d += 8
                        }
                        let h = acc.lowHalf + acc.highHalf
                        let h2 = h.lowHalf + h.highHalf
                        let v = (h2[0] + h2[1]) * o.scale
                        s[k - r0] = v
                        bmax = max(bmax, v)
                    }
                    var m = state[4 * j], l = state[4 * j + 1]
                    let os = oS + j * hd
                    let mNew = max(m, bmax)
                    if mNew != m {
                        let f = mergeFactor(SIMD8(repeating: m), SIMD8(repeating: mNew))[0]
                        l = l * f
                        let fv = SIMD8<Float>(repeating: f)
                        var d = 0
                        while d < hd {
                            store8(load8(os + d) * fv, os + d)
                            d += 8
                        }
                        m = mNew
                    }
                    let n = r1 - r0
                    var i = 0
                    while i < n {
                        // Eight lanes at a time through exp8 (lane for lane the lane form's
                        // exponentials); lanes past n are not used.
                        var x = SIMD8<Float>(repeating: -.infinity)
                        for z in 0..<min(8, n - i) { x[z] = s[i + z] }
                        var p = exp8(x - SIMD8(repeating: m))
                        p.replace(with: 0, where: x .== -.infinity)
                        for z in 0..<min(8, n - i) {
                            s[i + z] = p[z]
                            l = l + p[z]
                        }
                        i += 8
                    }
                    state[4 * j] = m
                    state[4 * j + 1] = l
                    var d = 0
                    while d < hd {
                        var o0 = load8(os + d)
                        for k in r0..<r1 {
                            o0.addProduct(SIMD8(repeating: s[k - r0]), load8(w.values + (k - k0) * hd + d))
                        }
                        store8(o0, os + d)
                        d += 8
                    }
                }
                block += keyBlock
            }
            if case .segment = o.pass {
                let stride = hd + 2
                let base = o.partials! + seg * H * o.tokens * stride
                for j in 0..<count {
                    let p = base + (m0 + j) * stride
                    p[0] = state[4 * j]
                    p[1] = state[4 * j + 1]
                    (p + 2).update(from: oS + j * hd, count: hd)
                }
                return
            }
            for j in 0..<count {
                mergeState(
                    into: state + 4 * j + 2, oA + j * hd, m: state[4 * j], l: state[4 * j + 1], oS + j * hd, hd)
            }
        }
        if case .segment = o.pass { return }
        for j in 0..<count {
            let m = m0 + j, t = m / H, g = m % H
            finish(o.out + t * o.tokenStride + g * hd, oA + j * hd, l: state[4 * j + 3], hd)
        }
    }

    /// Merges state (m, l, O) into (ml[0], ml[1], oA), as the class comment's merge.
    @inline(__always)
    static func mergeState(
        into ml: UnsafeMutablePointer<Float>, _ oA: UnsafeMutablePointer<Float>, m: Float, l: Float,
        _ oS: UnsafePointer<Float>, _ hd: Int
    ) {
        let mA = SIMD8<Float>(repeating: ml[0]), mS = SIMD8<Float>(repeating: m)
        let M = max8(mA, mS)
        let fA = mergeFactor(mA, M), fS = mergeFactor(mS, M)
        ml[1] = ml[1] * fA[0] + l * fS[0]
        ml[0] = M[0]
        var d = 0
        while d < hd {
            store8(load8(oA + d) * fA + load8(oS + d) * fS, oA + d)
            d += 8
        }
    }

    /// out = O·(1/l).
    @inline(__always)
    static func finish(_ out: UnsafeMutablePointer<Float>, _ oA: UnsafePointer<Float>, l: Float, _ hd: Int) {
        let inv = SIMD8<Float>(repeating: 1 / l)
        var d = 0
        while d < hd {
            store8(load8(oA + d) * inv, out + d)
            d += 8
        }
    }

    /// `.merge`: each query's segments 0..<segments merged in order, then normalised.
    static func mergePartials(_ o: AttentionGroupOperands, segments: Int, _ w: TiledScratch) {
        let hd = o.headDim, H = o.heads, stride = hd + 2
        let oA = w.rows
        let ml = oA + hd
        for m in 0..<(H * o.tokens) {
            ml[0] = -.infinity
            ml[1] = 0
            oA.update(repeating: 0, count: hd)
            for s in 0..<segments {
                let p = o.partials! + (s * H * o.tokens + m) * stride
                mergeState(into: ml, oA, m: p[0], l: p[1], p + 2, hd)
            }
            let t = m / H, g = m % H
            finish(o.out + t * o.tokenStride + g * hd, oA, l: ml[1], hd)
        }
    }
}

/// The tiled form's scratch, carved from AttentionGroupOperands.scores
/// (tiledScratchFloats): one block's K and V rows as floats, one query, the row form's
/// per-query rows, the lane form's per-group state.
struct TiledScratch {
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let query: UnsafeMutablePointer<Float>
    let rows: UnsafeMutablePointer<Float>
    let groups: UnsafeMutablePointer<Float>

    /// A lane group's state: qt (8·hd), oA (8·hd), the segment's O (8·hd); ml: the
    /// running max and sum (8 + 8), the segment's (8 + 8); rows: each lane's first and
    /// last key (8 + 8 Int32; Int32.max and −1 for lanes past the queries), the group's
    /// first and last key (2 Int32); sc: a block's scores, then weights (16 keys × 8).
    struct LaneGroup {
        let qt: UnsafeMutablePointer<Float>
        let oA: UnsafeMutablePointer<Float>
        let oS: UnsafeMutablePointer<Float>
        let ml: UnsafeMutablePointer<Float>
        let rows: UnsafeMutablePointer<Float>
        let sc: UnsafeMutablePointer<Float>

        static func floats(headDim hd: Int) -> Int { 24 * hd + 192 }

        /// The first and last keys of the group's lanes (set by laneGroups).
        @inline(__always)
        var firstRow: Int { Int(UnsafeRawPointer(rows + 16).load(as: Int32.self)) }
        @inline(__always)
        var lastRow: Int { Int(UnsafeRawPointer(rows + 17).load(as: Int32.self)) }

        /// Whether a lane's row meets keys first...last.
        @inline(__always)
        func meets(_ first: Int, _ last: Int) -> Bool { max(first, firstRow) <= min(last, lastRow) }
    }

    @inline(__always)
    init(_ base: UnsafeMutablePointer<Float>, headDim hd: Int, queries: Int) {
        keys = base
        values = base + 16 * hd
        query = values + 16 * hd
        rows = query + hd
        groups = rows + 3 * queries * hd + 20 * queries
    }

    @inline(__always)
    func laneGroup(_ i: Int, headDim hd: Int) -> LaneGroup {
        let g = groups + i * LaneGroup.floats(headDim: hd)
        return LaneGroup(
            qt: g, oA: g + 8 * hd, oS: g + 16 * hd, ml: g + 24 * hd, rows: g + 24 * hd + 32, sc: g + 24 * hd + 64)
    }
}
