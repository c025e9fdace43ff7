import LlamaSwiftFormats

/// The low-bit types users download, in the file's rows: Q2_K, Q3_K and IQ4_XS (blocks
/// of 256, multiplied with Q8_K activations) and IQ4_NL (blocks of 32, with Q8_0
/// activations), as llama.cpp pairs them. Block contents (facts of the GGUF format;
/// little-endian, `half` an IEEE binary16 scale):
///
/// | type | bytes | layout | value of element i |
/// | --- | --- | --- | --- |
/// | Q2_K | 84 | u8 scales[16]; u8 qs[64]; half d, half dmin | d·(s & 15)·q − dmin·(s >> 4), q 2 bits, s per 16 |
/// | Q3_K | 110 | u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d | d·(s − 32)·(q − 4·!h), q 2 bits, h 1 bit, s 6 bits per 16 |
/// | IQ4_NL | 18 | half d; u8 qs[16] | d·K[nibble] |
/// | IQ4_XS | 136 | half d; u16 scales_h; u8 scales_l[4]; u8 qs[128] | d·(s − 32)·K[nibble], s 6 bits per 32 |
///
/// K = {−127, −104, −83, −65, −49, −35, −22, −10, 1, 13, 25, 38, 53, 69, 89, 113} (the
/// IQ4 non-linear levels). Q2_K and Q3_K order their 2-bit values as llama.cpp's
/// dequantize_row_q2_K does: in each half of 128, byte l of the half's 32 bytes holds
/// elements l, l+32, l+64, l+96 in bits 0–1, 2–3, 4–5, 6–7; Q3_K's hmask bit 4·half + j
/// of byte l is the high bit of the element in group j. In the IQ4 types byte j of a
/// 32-element sub-block holds element j (low nibble) and j+16 (high nibble).
///
/// Each block is decoded once per row into integer levels and per-16 integer scales and
/// mins; then, per token, exact integer sums per 16 and one float step per block:
/// d·dₐ·Σ scₖ·(Σ q·a) − dmin·dₐ·Σ mₖ·(Σ a) — the same formulas as llama.cpp's reference
/// dot products (its SIMD versions order the float steps differently, so results agree
/// within float noise, as for the other K-quants). Scalar code, the same in every build.
public enum LowBitRows {
    /// The IQ4 non-linear levels.
    static let iq4Levels: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    /// One decoded 256-element block: value i = d·scales[i/16]·q[i] − dmin·mins[i/16].
    struct Block256 {
        var d: Float = 0
        var dmin: Float = 0
    }

    /// Decodes block `blk` of `type` (Q2_K, Q3_K or IQ4_XS) into q[256], scales[16], mins[16].
    @inline(__always)
    static func decode256(
        _ type: WeightType, _ blk: UnsafeRawPointer, _ q: UnsafeMutablePointer<Int8>,
        _ scales: UnsafeMutablePointer<Int32>, _ mins: UnsafeMutablePointer<Int32>
    ) -> Block256 {
        let u8 = blk.assumingMemoryBound(to: UInt8.self)
        switch type {
        case .q2_K:
            let qs = u8 + 16
            for k in 0..<16 {
                scales[k] = Int32(u8[k] & 0xF)
                mins[k] = Int32(u8[k] >> 4)
            }
            for half in 0..<2 {
                for j in 0..<4 {
                    for l in 0..<32 {
                        q[128 * half + 32 * j + l] = Int8((qs[32 * half + l] >> UInt8(2 * j)) & 3)
                    }
                }
            }
            return Block256(d: loadHalf(blk, 80), dmin: loadHalf(blk, 82))
        case .q3_K:
            let hmask = u8, qs = u8 + 32, sc = u8 + 96
            for k in 0..<16 {
                let low = k < 8 ? sc[k] & 0xF : sc[k - 8] >> 4
                let high = (sc[8 + k % 4] >> UInt8(2 * (k / 4))) & 3
                scales[k] = Int32(low | high << 4) - 32
                mins[k] = 0
            }
            for half in 0..<2 {
                for j in 0..<4 {
                    let bit = UInt8(1) << UInt8(4 * half + j)
                    for l in 0..<32 {
                        let v = Int8((qs[32 * half + l] >> UInt8(2 * j)) & 3)
                        q[128 * half + 32 * j + l] = hmask[l] & bit != 0 ? v : v - 4
                    }
                }
            }
            return Block256(d: loadHalf(blk, 108), dmin: 0)
        default:  // .iq4_XS
            let scalesH = UInt16(u8[2]) | UInt16(u8[3]) << 8
            let scalesL = u8 + 4, qs = u8 + 8
            for s in 0..<8 {
                let low = (scalesL[s / 2] >> UInt8(4 * (s % 2))) & 0xF
                let high = UInt8((scalesH >> UInt16(2 * s)) & 3)
                let ls = Int32(low | high << 4) - 32
                scales[2 * s] = ls
                scales[2 * s + 1] = ls
                mins[2 * s] = 0
                mins[2 * s + 1] = 0
                iq4Levels.withUnsafeBufferPointer { levels in
                    for j in 0..<16 {
                        q[32 * s + j] = levels[Int(qs[16 * s + j] & 0xF)]
                        q[32 * s + j + 16] = levels[Int(qs[16 * s + j] >> 4)]
                    }
                }
            }
            return Block256(d: loadHalf(blk, 0), dmin: 0)
        }
    }

    /// IQ4_NL: decodes one 32-element block into q[32] (levels); returns d.
    @inline(__always)
    static func decodeIQ4NL(_ blk: UnsafeRawPointer, _ q: UnsafeMutablePointer<Int8>) -> Float {
        let qs = (blk + 2).assumingMemoryBound(to: UInt8.self)
        iq4Levels.withUnsafeBufferPointer { levels in
            for j in 0..<16 {
                q[j] = levels[Int(qs[j] & 0xF)]
                q[j + 16] = levels[Int(qs[j] >> 4)]
            }
        }
        return loadHalf(blk, 0)
    }

    /// The values of one row (embedding lookups, and the reference of the tests).
    public static func dequantizeRow(
        _ type: WeightType, _ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 256) { qb in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 32) { sb in
                let q = qb.baseAddress!, scales = sb.baseAddress!, mins = sb.baseAddress! + 16
                if type == .iq4_NL {
                    for b in 0..<(n / 32) {
                        let d = decodeIQ4NL(src + 18 * b, q)
                        for i in 0..<32 { out[32 * b + i] = d * Float(q[i]) }
                    }
                    return
                }
                let bytes = type.blockBytes
                for b in 0..<(n / 256) {
                    let k = decode256(type, src + bytes * b, q, scales, mins)
                    for i in 0..<256 {
                        let dl = k.d * Float(scales[i / 16]), ml = k.dmin * Float(mins[i / 16])
                        out[256 * b + i] = dl * Float(q[i]) - ml
                    }
                }
            }
        }
    }

    /// Q2_K, Q3_K and IQ4_XS rows × Q8_K activation rows.
    public static let layout256 = WeightLayout(
        name: "Q2_K, Q3_K, IQ4_XS in the file's rows", activations: .q8Blocks256,
        accepts: { type, _ in type == .q2_K || type == .q3_K || type == .iq4_XS }, packing: nil,
        multiply: { multiply256($0) }, dequantizeRow: { dequantizeRow($0, $1, $2, $3) })

    /// IQ4_NL rows × Q8_0 activation rows.
    public static let layoutIQ4NL = WeightLayout(
        name: "IQ4_NL in the file's rows", activations: .q8Blocks32,
        accepts: { type, _ in type == .iq4_NL }, packing: nil,
        multiply: { multiplyIQ4NL($0) }, dequantizeRow: { dequantizeRow($0, $1, $2, $3) })

    static func multiply256(_ o: MatmulOperands) {
        let a = o.quantized!
        let nb = o.cols / 256, cols = o.cols, bytes = o.type.blockBytes
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 256) { qb in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 32) { sb in
                let q = qb.baseAddress!, scales = sb.baseAddress!, mins = sb.baseAddress! + 16
                for r in o.rows {
                    for t in 0..<o.tokens { o.out[t * o.outStride + r] = 0 }
                    for b in 0..<nb {
                        let k = decode256(o.type, o.weights + r * o.rowBytes + bytes * b, q, scales, mins)
                        for t in 0..<o.tokens {
                            let x = a.values + t * cols + 256 * b
                            let bsums = a.sums + (t * nb + b) * 16
                            var isum: Int32 = 0, msum: Int32 = 0
                            for g in 0..<16 {
                                var s: Int32 = 0
                                for i in (16 * g)..<(16 * g + 16) { s &+= Int32(q[i]) &* Int32(x[i]) }
                                isum &+= scales[g] &* s
                                msum &+= mins[g] &* bsums[g]
                            }
                            let ad = a.scales[t * nb + b]
                            o.out[t * o.outStride + r] += (k.d * ad) * Float(isum) - (k.dmin * ad) * Float(msum)
                        }
                    }
                }
            }
        }
    }

    static func multiplyIQ4NL(_ o: MatmulOperands) {
        let a = o.quantized!
        let nb = o.cols / 32, cols = o.cols
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 32) { qb in
            let q = qb.baseAddress!
            for r in o.rows {
                for t in 0..<o.tokens { o.out[t * o.outStride + r] = 0 }
                for b in 0..<nb {
                    let d = decodeIQ4NL(o.weights + r * o.rowBytes + 18 * b, q)
                    for t in 0..<o.tokens {
                        let x = a.values + t * cols + 32 * b
                        var isum: Int32 = 0
                        for i in 0..<32 { isum &+= Int32(q[i]) &* Int32(x[i]) }
                        o.out[t * o.outStride + r] += (d * a.scales[t * nb + b]) * Float(isum)
                    }
                }
            }
        }
    }
}
