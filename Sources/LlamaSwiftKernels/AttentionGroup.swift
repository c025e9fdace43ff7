#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import LlamaSwiftFormats

extension AttentionKernels {
    /// Attention of every query head of one key/value group, for a tile of consecutive
    /// tokens, over an F16 or Q8_0 cache (see AttentionGroupOperands): the tokens that attend to
    /// at most o.exactRows rows by the exact form (`exact`), the others by the tiled form
    /// (AttentionTiled.swift; head sizes that are a multiple of 8 only). Rows grow with
    /// the token, so the exact tokens are a prefix of the tile.
    public static func group(_ o: AttentionGroupOperands) {
        var exactTokens = 0
        if o.headDim % 8 != 0 {
            exactTokens = o.tokens
        } else {
            while exactTokens < o.tokens, o.rowCount(exactTokens) <= o.exactRows { exactTokens += 1 }
        }
        var segmentPass = false
        if case .segment = o.pass { segmentPass = true }
        if exactTokens > 0, !segmentPass {
            var e = o
            e.tokens = exactTokens
            exact(e)
        }
        if exactTokens < o.tokens {
            var t = o
            t.tokens = o.tokens - exactTokens
            t.firstPosition = o.firstPosition + exactTokens
            t.queries = o.queries + exactTokens * o.tokenStride
            t.out = o.out + exactTokens * o.tokenStride
            tiled(t)
        }
    }

    /// The exact form: llama.cpp's roundings, a whole score row per query.
    ///
    /// Why: with grouped-query attention G query heads read the same key and value rows,
    /// and the tokens of a prompt read the same rows again; per-head attention (`head`)
    /// reads each row G·tokens times, which at a depth of thousands of positions makes
    /// attention, not the weights, the memory traffic of a decode step. Here each key row
    /// is converted to floats once per tile and each value row is read once per pair of
    /// heads.
    ///
    /// The arithmetic per (head, token) is `head`'s, operation for operation, so the
    /// output is bit-identical to it: the query rounded to F16; each score a dot product
    /// of 8-lane fused multiply-adds over the head dimension, summed across lanes, times
    /// the scale; softmax with the exponentials summed in double in position order; the
    /// weights rounded to F16; the weighted sum accumulated per element in position order
    /// from zero. Only the order in which (head, token, position) triples are visited
    /// changes, and no result depends on that.
    static func exact(_ o: AttentionGroupOperands) {
        let hd = o.headDim, G = o.heads, lo = o.firstRow(0), span = o.span
        let qr = o.queryScratch, sc = o.scores, kf = o.keyScratch

        // The queries rounded to F16 and back, as `head` does: query m = t·G + g.
        for t in 0..<o.tokens {
            for g in 0..<G {
                roundQueryToHalf(o.queries + t * o.tokenStride + g * hd, qr + (t * G + g) * hd, hd)
            }
        }

        // Scores: each key row converted once, then dotted with every query that attends
        // to it (the tokens at or after it, within their window).
        for p in lo..<(lo + span) {
            rowToFloats(o.keyFormat, o.keyHead(p), kf, hd)
            // The tokens that attend to row p are a contiguous range (from the first at or
            // after it to the last whose window reaches back to it), so their queries are
            // the contiguous rows mFrom..<mTo of qr: dotted four at a time.
            let tFrom = max(0, p - o.firstPosition)
            var tTo = o.tokens
            while tTo > tFrom, p < o.firstRow(tTo - 1) { tTo -= 1 }
            var m = tFrom * G
            let mTo = tTo * G
            while m + 4 <= mTo {
                let s = dot4(qr + m * hd, kf, hd) * o.scale
                for j in 0..<4 { sc[(m + j) * span + (p - lo)] = s[j] }
                m += 4
            }
            while m < mTo {
                sc[m * span + (p - lo)] = dotF32(qr + m * hd, kf, hd) * o.scale
                m += 1
            }
        }

        // Softmax of each query's row, and the weights rounded to F16.
        for t in 0..<o.tokens {
            let first = o.firstRow(t), count = o.firstPosition + t - first + 1
            for g in 0..<G {
                let w = sc + (t * G + g) * span + (first - lo)
                let maxScore = largest(w, count)
                let inv = Float(1 / exponentials(w, count, minus: maxScore))
                var p = 0
                while p + 8 <= count {
                    let v = UnsafeRawPointer(w + p).loadUnaligned(as: SIMD8<Float>.self) * inv
                    UnsafeMutableRawPointer(w + p).storeBytes(of: roundedToHalf8(v), as: SIMD8<Float>.self)
                    p += 8
                }
                while p < count {
                    w[p] = halfToFloat(floatToHalf(w[p] * inv))
                    p += 1
                }
            }
        }

        switch o.valueFormat {
        case .f16: weightedSums(HalfRowLoader.self, o)
        case .q8_0: weightedSums(Q8_0RowLoader.self, o)
        }
    }

    /// exact's last step, the outputs from the weights in o.scores: two heads of a token
    /// per pass over its value rows.
    @inline(__always)
    static func weightedSums<L: CacheRowLoader>(_: L.Type, _ o: AttentionGroupOperands) {
        let hd = o.headDim, G = o.heads, lo = o.firstRow(0), span = o.span, sc = o.scores
        let valueBase = o.valueHead(0)
        for t in 0..<o.tokens {
            let first = o.firstRow(t), count = o.firstPosition + t - first + 1
            let rows = valueBase + first * o.valueRowBytes
            var g = 0
            while g + 2 <= G {
                let m = t * G + g
                weightedSumX2(
                    L.self, o.out + t * o.tokenStride + g * hd, o.out + t * o.tokenStride + (g + 1) * hd, rows,
                    o.valueRowBytes,
                    sc + m * span + (first - lo), sc + (m + 1) * span + (first - lo), count, hd)
                g += 2
            }
            if g < G {
                let out = o.out + t * o.tokenStride + g * hd
                out.update(repeating: 0, count: hd)
                weightedSum(L.self, out, rows, o.valueRowBytes, sc + (t * G + g) * span + (first - lo), count, hd)
            }
        }
    }

    /// The largest of `count` (≥ 1) scores, 8 lanes at a time: the same value as a scalar
    /// running max for scores without NaN (a max does not depend on order; ±0 ties give
    /// the same exponentials). With a NaN score the sum of exponentials is NaN and so is
    /// every output, as with the scalar max: the pass reports it (FORMAT).
    @inline(__always)
    static func largest(_ w: UnsafePointer<Float>, _ count: Int) -> Float {
        var m8 = SIMD8<Float>(repeating: -.infinity)
        var p = 0
        while p + 8 <= count {
            m8 = pointwiseMax(m8, UnsafeRawPointer(w + p).loadUnaligned(as: SIMD8<Float>.self))
            p += 8
        }
        var m = m8.max()
        while p < count {
            m = max(m, w[p])
            p += 1
        }
        return m
    }

    /// dotF32 (dotF16's arithmetic with the key already in floats) of four consecutive
    /// query rows (n floats apart) against one key: four independent accumulation chains.
    @inline(__always)
    static func dot4(_ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ n: Int) -> SIMD4<Float> {
        let q0 = q, q1 = q + n, q2 = q + 2 * n, q3 = q + 3 * n
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let kv = UnsafeRawPointer(k + i).loadUnaligned(as: SIMD8<Float>.self)
            a0.addProduct(UnsafeRawPointer(q0 + i).loadUnaligned(as: SIMD8<Float>.self), kv)
            a1.addProduct(UnsafeRawPointer(q1 + i).loadUnaligned(as: SIMD8<Float>.self), kv)
            a2.addProduct(UnsafeRawPointer(q2 + i).loadUnaligned(as: SIMD8<Float>.self), kv)
            a3.addProduct(UnsafeRawPointer(q3 + i).loadUnaligned(as: SIMD8<Float>.self), kv)
            i += 8
        }
        var s = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while i < n {
            let ki = k[i]
            s[0] += q0[i] * ki
            s[1] += q1[i] * ki
            s[2] += q2[i] * ki
            s[3] += q3[i] * ki
            i += 1
        }
        return s
    }

    /// weightedSum for two outputs over the same value rows: each row's 32-element
    /// slice is converted once for both; each output element's sum is the same sequence
    /// of fused multiply-adds as weightedSum's (and zeroes the outputs first).
    @inline(__always)
    static func weightedSumX2<L: CacheRowLoader>(
        _: L.Type, _ outA: UnsafeMutablePointer<Float>, _ outB: UnsafeMutablePointer<Float>,
        _ rows: UnsafeRawPointer, _ rowBytes: Int, _ wA: UnsafePointer<Float>, _ wB: UnsafePointer<Float>,
        _ count: Int, _ n: Int
    ) {
        var i = 0
        while i + 32 <= n {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            for p in 0..<count {
                let (v0, v1, v2, v3) = L.load32(rows + p * rowBytes, i)
                let wa = SIMD8<Float>(repeating: wA[p]), wb = SIMD8<Float>(repeating: wB[p])
                a0.addProduct(wa, v0)
                a1.addProduct(wa, v1)
                a2.addProduct(wa, v2)
                a3.addProduct(wa, v3)
                b0.addProduct(wb, v0)
                b1.addProduct(wb, v1)
                b2.addProduct(wb, v2)
                b3.addProduct(wb, v3)
            }
            let da = UnsafeMutableRawPointer(outA + i), db = UnsafeMutableRawPointer(outB + i)
            da.storeBytes(of: a0, as: SIMD8<Float>.self)
            (da + 32).storeBytes(of: a1, as: SIMD8<Float>.self)
            (da + 64).storeBytes(of: a2, as: SIMD8<Float>.self)
            (da + 96).storeBytes(of: a3, as: SIMD8<Float>.self)
            db.storeBytes(of: b0, as: SIMD8<Float>.self)
            (db + 32).storeBytes(of: b1, as: SIMD8<Float>.self)
            (db + 64).storeBytes(of: b2, as: SIMD8<Float>.self)
            (db + 96).storeBytes(of: b3, as: SIMD8<Float>.self)
            i += 32
        }
        if i < n {
            (outA + i).update(repeating: 0, count: n - i)
            (outB + i).update(repeating: 0, count: n - i)
            for p in 0..<count {
                axpyRange(L.self, outA, rows + p * rowBytes, wA[p], from: i, to: n)
                axpyRange(L.self, outB, rows + p * rowBytes, wB[p], from: i, to: n)
            }
        }
    }
}
