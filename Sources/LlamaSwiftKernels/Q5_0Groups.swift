#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
#endif
import LlamaSwiftFormats

/// Q5_0 matrices stored in groups of 8 rows, and their kernels: Q4_0Groups plus each
/// element's fifth bit. (Q4_K_M files of models whose width is not a multiple of 256,
/// such as SmolLM2's 576, store most matrices as Q5_0.)
///
/// Summation order, as Q4_0Groups (the same in every build, for decode and prefill): per
/// row and block the exact Σ (u − 16)·x, u = nibble | fifth bit·16, then
/// acc = fma(Float(isum), d_w·d_a, acc) over the blocks. (llama.cpp sums Q5_0 per row in
/// 8 lanes; the tiny Q5_0 model's logits stay within 1e-3 of its.)
///
/// Layout (the file's 8·22 bytes per block column of 8 rows, reordered): group g fills
/// 8·rowBytes = 176·nb bytes, block column b at 176·b:
///     0: d of rows 0…7 (halves)
///    16: 4 chunks of 32 bytes, bytes 4r…4r+3 of chunk j = row r's qs[4j…4j+3] (as Q4_0Groups)
///   144: fifth bits as two 32-bit masks per chunk j, at 144 + 8j (low nibbles) and
///        144 + 8j + 4 (high): bit 4r + k is the fifth bit of row r's element 4j + k
///        (16 + 4j + k) — the chunk's byte order, so the v4 build adds 16 under the mask
///        (`vpaddb` with an AVX-512 byte mask) and the v3 build spreads it like Q5 blocks.
public enum Q5_0Groups: RowGroupKernels {
    /// Copies `rows` rows (a multiple of 8) of Q5_0 blocks from the file's layout.
    public static func pack(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, rowBytes: Int) {
        let blockBytes = WeightType.q5_0.blockBytes, nb = rowBytes / blockBytes
        for g in 0..<(rows / 8) {
            let from = src + g * 8 * rowBytes, to = dst + g * 8 * rowBytes
            for r in 0..<8 {
                for b in 0..<nb {
                    let blk = from + r * rowBytes + blockBytes * b, at = 176 * b
                    to.storeBytes(of: blk.loadUnaligned(as: UInt16.self), toByteOffset: at + 2 * r, as: UInt16.self)
                    let qh = blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
                    for j in 0..<4 {
                        to.storeBytes(
                            of: blk.loadUnaligned(fromByteOffset: 6 + 4 * j, as: UInt32.self),
                            toByteOffset: at + 16 + 32 * j + 4 * r,
                            as: UInt32.self)
                        for (half, shift) in [(0, 4 * j), (4, 16 + 4 * j)] {
                            let m = at + 144 + 8 * j + half
                            let bits = ((qh >> UInt32(shift)) & 0xF) << UInt32(4 * r)
                            let before = r == 0 ? 0 : to.loadUnaligned(fromByteOffset: m, as: UInt32.self)
                            to.storeBytes(of: before | bits, toByteOffset: m, as: UInt32.self)
                        }
                    }
                }
            }
        }
    }

    static var blockElements: Int { 32 }
    static var groupBlockBytes: Int { 176 }
    static var sumsPerBlock: Int { 1 }
}

#if LLAMASWIFT_AVX2

    extension Q5_0Groups {
        /// Chunk j's 5-bit values u (low: elements 4j…, high: 16+4j…) of the block at `blk`:
        /// the nibbles, plus 16 where the fifth bit is set — a masked byte add in the v4
        /// build, the mask spread to bytes (`fifthBits`, as for Q5 blocks) in v3.
        @inline(__always)
        static func chunk(_ blk: UnsafeRawPointer, _ j: Int) -> (lo: __m256i, hi: __m256i) {
            let n = Q4_0Groups.chunk(blk + 16 + 32 * j)
            let lo = blk.loadUnaligned(fromByteOffset: 144 + 8 * j, as: UInt32.self)
            let hi = blk.loadUnaligned(fromByteOffset: 148 + 8 * j, as: UInt32.self)
            #if LLAMASWIFT_VNNI
                let sixteen = _mm256_set1_epi8(0x10)
                return (_mm256_mask_add_epi8(n.lo, lo, n.lo, sixteen), _mm256_mask_add_epi8(n.hi, hi, n.hi, sixteen))
            #else
                return (_mm256_or_si256(n.lo, fifthBits(lo)), _mm256_or_si256(n.hi, fifthBits(hi)))
            #endif
        }

        /// s + chunk j's products with a token's activations, as each row's 32-bit sum:
        /// `vpdpbusd`, or `vpmaddubsw` pairs (≤ 2·31·127, two of them fit 16 bits) + `vpmaddwd`.
        @inline(__always)
        static func addChunk(_ s: __m256i, _ u: (lo: __m256i, hi: __m256i), _ x: UnsafeRawPointer, _ j: Int) -> __m256i
        {
            let xl = _mm256_set1_epi32(x.loadUnaligned(fromByteOffset: 4 * j, as: Int32.self))
            let xh = _mm256_set1_epi32(x.loadUnaligned(fromByteOffset: 16 + 4 * j, as: Int32.self))
            #if LLAMASWIFT_VNNI
                return lsk_dpbusd(lsk_dpbusd(s, u.lo, xl), u.hi, xh)
            #else
                let p = _mm256_add_epi16(_mm256_maddubs_epi16(u.lo, xl), _mm256_maddubs_epi16(u.hi, xh))
                return _mm256_add_epi32(s, _mm256_madd_epi16(p, _mm256_set1_epi16(1)))
            #endif
        }

        /// acc + Float(Σ u·x − 16·Σx) · (d_w · d_a).
        @inline(__always)
        static func accumulate(
            _ acc: SIMD8<Float>, _ s: __m256i, _ sum: Int32, _ blk: UnsafeRawPointer, _ da: Float
        ) -> SIMD8<Float> {
            let isum = _mm256_sub_epi32(s, _mm256_set1_epi32(sum << 4))
            return _mm256_fmadd_ps(
                _mm256_cvtepi32_ps(isum), _mm256_mul_ps(Q4_0Groups.scales(blk), _mm256_set1_ps(da)), acc)
        }

        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + 176 * b, xb = x + 32 * b
                lsk_prefetch(blk + 2048)
                lsk_prefetch(blk + 2048 + 64)
                lsk_prefetch(blk + 2048 + 128)
                var s = addChunk(_mm256_setzero_si256(), chunk(blk, 0), xb, 0)
                s = addChunk(s, chunk(blk, 1), xb, 1)
                s = addChunk(s, chunk(blk, 2), xb, 2)
                s = addChunk(s, chunk(blk, 3), xb, 3)
                acc = accumulate(acc, s, sums[b], blk, d[b])
            }
            _mm256_storeu_ps(out, acc)
        }

        @inline(__always)
        static func group8x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
            for b in 0..<nb {
                let blk = g + 176 * b, o = 32 * b
                var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
                for j in 0..<4 {
                    let u = chunk(blk, j)
                    s0 = addChunk(s0, u, x + o, j)
                    s1 = addChunk(s1, u, x1 + o, j)
                    s2 = addChunk(s2, u, x2 + o, j)
                    s3 = addChunk(s3, u, x3 + o, j)
                }
                a0 = accumulate(a0, s0, sums[b], blk, d[b])
                a1 = accumulate(a1, s1, sums[nb + b], blk, d[nb + b])
                a2 = accumulate(a2, s2, sums[2 * nb + b], blk, d[2 * nb + b])
                a3 = accumulate(a3, s3, sums[3 * nb + b], blk, d[3 * nb + b])
            }
            _mm256_storeu_ps(out, a0)
            _mm256_storeu_ps(out + ldo, a1)
            _mm256_storeu_ps(out + 2 * ldo, a2)
            _mm256_storeu_ps(out + 3 * ldo, a3)
        }
    }
#else
    extension Q5_0Groups {
        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let xs = x.assumingMemoryBound(to: Int8.self)
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + 176 * b, xb = xs + 32 * b
                var isum = SIMD8<Int32>()
                let rowShift = SIMD8<UInt32>(0, 4, 8, 12, 16, 20, 24, 28)
                for j in 0..<4 {
                    let v = (blk + 16 + 32 * j).loadUnaligned(as: SIMD8<UInt32>.self)
                    // Row r's 4 fifth bits of this chunk: bits 4r…4r+3 of each mask.
                    let loBits = SIMD8<Int32>(
                        truncatingIfNeeded: (SIMD8(
                            repeating: blk.loadUnaligned(fromByteOffset: 144 + 8 * j, as: UInt32.self)) &>> rowShift)
                            & 0xF)
                    let hiBits = SIMD8<Int32>(
                        truncatingIfNeeded: (SIMD8(
                            repeating: blk.loadUnaligned(fromByteOffset: 148 + 8 * j, as: UInt32.self)) &>> rowShift)
                            & 0xF)
                    for k in 0..<4 {
                        let byte = SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(8 * k)) & 0xFF)
                        let lo = (byte & 0xF) | (((loBits &>> Int32(k)) & 1) &<< 4)
                        let hi = (byte &>> 4) | (((hiBits &>> Int32(k)) & 1) &<< 4)
                        isum &+= lo &* Int32(xb[4 * j + k]) &+ hi &* Int32(xb[16 + 4 * j + k])
                    }
                }
                isum &-= SIMD8(repeating: sums[b] << 4)
                let dw = halves8(blk)
                acc.addProduct(SIMD8<Float>(isum), dw * d[b])
            }
            for r in 0..<8 { out[r] = acc[r] }
        }
    }
#endif

extension Q5_0Groups {
    /// Q5_0 matrices whose row count is a multiple of 8, in groups of 8 rows.
    public static let layout = WeightLayout(
        name: "Q5_0 in groups of 8 rows", activations: .q8Blocks32, accepts: acceptsGroups(of: .q5_0),
        packing: .init(
            bytes: { type, rows, cols in rows * (type.rowBytes(cols) ?? 0) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, rowBytes: $0.rowBytes) }),
        multiply: { run($0) })
}
