import LlamaSwiftFormats

/// Scalar dequantization of whole rows: used for embedding lookups (one row per token)
/// and as the reference that the dot kernels are tested against.
public enum Dequantize {
    /// Writes `n` floats of a row of `type` to `out`. `n` is a whole number of blocks (the
    /// loader checked); `type` is one the file-order layouts accept (a precondition).
    public static func row(_ type: WeightType, _ src: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        switch type {
        case .f32:
            for i in 0..<n { out[i] = src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<n { out[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<n { out[i] = bfloat16ToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0:
            let bytes = type.blockBytes
            withUnsafeTemporaryAllocation(of: Int8.self, capacity: 32) { qb in
                let q = qb.baseAddress!
                for b in 0..<(n / 32) {
                    let (d, m) = decode32(type, src + b * bytes, q)
                    for i in 0..<32 { out[b * 32 + i] = Float(q[i]) * d + m }
                }
            }
        case .q4_K, .q5_K, .q6_K:
            let bytes = type.blockBytes
            withUnsafeTemporaryAllocation(of: Int8.self, capacity: 256) { qb in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { fb in
                    let q = qb.baseAddress!, scales = fb.baseAddress!, mins = fb.baseAddress! + 16
                    for b in 0..<(n / 256) {
                        decodeK(type, src + b * bytes, q, scales, mins)
                        for i in 0..<256 { out[b * 256 + i] = Float(q[i]) * scales[i / 16] - mins[i / 16] }
                    }
                }
            }
        default:
            preconditionFailure("no dequantization for \(type)")
        }
    }

    /// Decodes one 32-element block to integers q (so value = q·d + m). Returns (d, m).
    @inline(__always)
    public static func decode32(
        _ type: WeightType, _ blk: UnsafeRawPointer, _ q: UnsafeMutablePointer<Int8>
    ) -> (Float, Float) {
        switch type {
        case .q4_0:
            let qs = (blk + 2).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                q[j] = Int8(qs[j] & 0xF) - 8
                q[j + 16] = Int8(qs[j] >> 4) - 8
            }
            return (loadHalf(blk, 0), 0)
        case .q4_1:
            let qs = (blk + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                q[j] = Int8(qs[j] & 0xF)
                q[j + 16] = Int8(qs[j] >> 4)
            }
            return (loadHalf(blk, 0), loadHalf(blk, 2))
        case .q5_0:
            let qh = blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            let qs = (blk + 6).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                q[j] = Int8((qs[j] & 0xF) | UInt8((qh >> j) & 1) << 4) - 16
                q[j + 16] = Int8((qs[j] >> 4) | UInt8((qh >> (j + 16)) & 1) << 4) - 16
            }
            return (loadHalf(blk, 0), 0)
        case .q5_1:
            let qh = blk.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let qs = (blk + 8).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                q[j] = Int8((qs[j] & 0xF) | UInt8((qh >> j) & 1) << 4)
                q[j + 16] = Int8((qs[j] >> 4) | UInt8((qh >> (j + 16)) & 1) << 4)
            }
            return (loadHalf(blk, 0), loadHalf(blk, 2))
        default:  // .q8_0
            let qs = (blk + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 { q[j] = qs[j] }
            return (loadHalf(blk, 0), 0)
        }
    }

    /// Decodes one 256-element K-quant block: integer q[256], and per 16 elements a float
    /// scale and min such that value i = q[i]·scale[i/16] − min[i/16].
    ///
    /// Q4_K/Q5_K: four chunks of 64; chunk c uses 32 bytes of qs (low nibbles: elements
    /// 64c..64c+31 with sub-block 2c; high nibbles: the next 32 with sub-block 2c+1); Q5_K's
    /// fifth bits are bit 2c (low half) and 2c+1 (high half) of qh[0..<32].
    /// Q6_K: two halves of 128; in half h, for l in 0..<32, ql[64h+l], ql[64h+l+32] and
    /// qh[32h+l] give elements 128h + l, +32, +64, +96 (low nibble of ql[l] with qh bits
    /// 0–1, low nibble of ql[l+32] with bits 2–3, high nibble of ql[l] with bits 4–5, high
    /// nibble of ql[l+32] with bits 6–7), each minus 32; scales are int8, one per 16.
    public static func decodeK(
        _ type: WeightType, _ blk: UnsafeRawPointer, _ q: UnsafeMutablePointer<Int8>,
        _ scale: UnsafeMutablePointer<Float>, _ min: UnsafeMutablePointer<Float>
    ) {
        if type == .q6_K {
            let ql = blk.assumingMemoryBound(to: UInt8.self)
            let qh = (blk + 128).assumingMemoryBound(to: UInt8.self)
            let sc = (blk + 192).assumingMemoryBound(to: Int8.self)
            let d = loadHalf(blk, 208)
            for h in 0..<2 {
                for l in 0..<32 {
                    let a = ql[64 * h + l], b = ql[64 * h + l + 32], hb = qh[32 * h + l]
                    q[128 * h + l] = Int8((a & 0xF) | ((hb & 3) << 4)) - 32
                    q[128 * h + l + 32] = Int8((b & 0xF) | (((hb >> 2) & 3) << 4)) - 32
                    q[128 * h + l + 64] = Int8((a >> 4) | (((hb >> 4) & 3) << 4)) - 32
                    q[128 * h + l + 96] = Int8((b >> 4) | (((hb >> 6) & 3) << 4)) - 32
                }
            }
            for i in 0..<16 {
                scale[i] = d * Float(sc[i])
                min[i] = 0
            }
            return
        }
        let d = loadHalf(blk, 0)
        let dmin = loadHalf(blk, 2)
        let scales = (blk + 4).assumingMemoryBound(to: UInt8.self)
        let five = type == .q5_K
        let qh = (blk + 16).assumingMemoryBound(to: UInt8.self)
        let qs = (blk + (five ? 48 : 16)).assumingMemoryBound(to: UInt8.self)
        for c in 0..<4 {
            for l in 0..<32 {
                let byte = qs[32 * c + l]
                var lo = byte & 0xF, hi = byte >> 4
                if five {
                    lo |= ((qh[l] >> (2 * c)) & 1) << 4
                    hi |= ((qh[l] >> (2 * c + 1)) & 1) << 4
                }
                q[64 * c + l] = Int8(lo)
                q[64 * c + 32 + l] = Int8(hi)
            }
        }
        for j in 0..<8 {
            let (sc, m) = kScaleMin(scales, j)
            scale[2 * j] = d * Float(sc)
            scale[2 * j + 1] = d * Float(sc)
            min[2 * j] = dmin * Float(m)
            min[2 * j + 1] = dmin * Float(m)
        }
    }
}
