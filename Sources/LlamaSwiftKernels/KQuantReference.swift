import LlamaSwiftFormats

/// The scalar reference K-quant dot products of one weight row with one Q8_K activation
/// row (see ActivationQuantize), compiled in every kernel build: the baseline build's
/// KQuantRows runs them, and the tests hold every build's KQuantRows and row-group
/// kernels to them, bit for bit, in one process. `nb` counts 256-element weight blocks. Counted loops over
/// pointers: exact integer sums per sub-block, float scaling once per block. (The
/// 32-element types: Q32Reference, the reference, and Q32Tiles, the fast path.)
public enum KQuantReference {
    /// Q4_K and Q5_K (`five`) × Q8_K: per block d·dₐ·Σⱼ scⱼ·(qⱼ·aⱼ) − dmin·dₐ·Σⱼ mⱼ·(Σ aⱼ).
    public static func q45_K(
        _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ bsums: UnsafePointer<Int32>,
        _ nb: Int, five: Bool
    ) -> Float {
        let bytes = five ? WeightType.q5_K.blockBytes : WeightType.q4_K.blockBytes
        var sum: Float = 0
        for b in 0..<nb {
            let blk = w + bytes * b
            let scales = (blk + 4).assumingMemoryBound(to: UInt8.self)
            let qh = (blk + 16).assumingMemoryBound(to: UInt8.self)
            let qs = (blk + (five ? 48 : 16)).assumingMemoryBound(to: UInt8.self)
            let x = a + 256 * b
            var isum: Int32 = 0
            var msum: Int32 = 0
            for c in 0..<4 {
                let (scLo, mLo) = kScaleMin(scales, 2 * c)
                let (scHi, mHi) = kScaleMin(scales, 2 * c + 1)
                var lo: Int32 = 0
                var hi: Int32 = 0
                let q = qs + 32 * c
                let xl = x + 64 * c
                if five {
                    for l in 0..<32 {
                        let vl = Int32(q[l] & 0xF) | Int32((qh[l] >> UInt8(2 * c)) & 1) << 4
                        let vh = Int32(q[l] >> 4) | Int32((qh[l] >> UInt8(2 * c + 1)) & 1) << 4
                        lo &+= vl &* Int32(xl[l])
                        hi &+= vh &* Int32(xl[l + 32])
                    }
                } else {
                    for l in 0..<32 {
                        lo &+= Int32(q[l] & 0xF) &* Int32(xl[l])
                        hi &+= Int32(q[l] >> 4) &* Int32(xl[l + 32])
                    }
                }
                isum &+= scLo &* lo &+ scHi &* hi
                let bs = bsums + 16 * b + 4 * c
                msum &+= mLo &* (bs[0] &+ bs[1]) &+ mHi &* (bs[2] &+ bs[3])
            }
            let d = loadHalf(blk, 0) * ad[b]
            let dmin = loadHalf(blk, 2) * ad[b]
            sum += d * Float(isum) - dmin * Float(msum)
        }
        return sum
    }

    /// Q6_K × Q8_K: per block d·dₐ·Σ₁₆ scₖ·(Σ (q−32)·a).
    public static func q6_K(
        _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ nb: Int
    ) -> Float {
        var sum: Float = 0
        for b in 0..<nb {
            let blk = w + WeightType.q6_K.blockBytes * b
            let ql = blk.assumingMemoryBound(to: UInt8.self)
            let qh = (blk + 128).assumingMemoryBound(to: UInt8.self)
            let sc = (blk + 192).assumingMemoryBound(to: Int8.self)
            let x = a + 256 * b
            var isum: Int32 = 0
            for h in 0..<2 {
                // Four groups of 32 outputs (offsets 0, 32, 64, 96), each two 16-element scales.
                var g = (Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0))
                let l0 = ql + 64 * h, h0 = qh + 32 * h, x0 = x + 128 * h
                for l in 0..<32 {
                    let lo = l0[l], lo2 = l0[l + 32], hb = h0[l]
                    let q1 = Int32((lo & 0xF) | ((hb & 3) << 4)) &- 32
                    let q2 = Int32((lo2 & 0xF) | (((hb >> 2) & 3) << 4)) &- 32
                    let q3 = Int32((lo >> 4) | (((hb >> 4) & 3) << 4)) &- 32
                    let q4 = Int32((lo2 >> 4) | (((hb >> 6) & 3) << 4)) &- 32
                    if l < 16 {
                        g.0 &+= q1 &* Int32(x0[l]); g.2 &+= q2 &* Int32(x0[l + 32])
                        g.4 &+= q3 &* Int32(x0[l + 64]); g.6 &+= q4 &* Int32(x0[l + 96])
                    } else {
                        g.1 &+= q1 &* Int32(x0[l]); g.3 &+= q2 &* Int32(x0[l + 32])
                        g.5 &+= q3 &* Int32(x0[l + 64]); g.7 &+= q4 &* Int32(x0[l + 96])
                    }
                }
                let s = sc + 8 * h
                isum &+= Int32(s[0]) &* g.0 &+ Int32(s[1]) &* g.1 &+ Int32(s[2]) &* g.2 &+ Int32(s[3]) &* g.3
                isum &+= Int32(s[4]) &* g.4 &+ Int32(s[5]) &* g.5 &+ Int32(s[6]) &* g.6 &+ Int32(s[7]) &* g.7
            }
            sum += loadHalf(blk, 208) * ad[b] * Float(isum)
        }
        return sum
    }
}
