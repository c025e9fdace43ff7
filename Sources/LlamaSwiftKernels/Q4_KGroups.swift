#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
#endif
import LlamaSwiftFormats

/// Q4_K matrices stored in groups of 8 rows, and their matrix × Q8_K activation kernels
/// — the Q4_0Groups idea for Q4_K: one 32-byte load holds 4 quant bytes of each of 8
/// rows, so each 32-bit lane is one row's sum, and the sub-block scales, mins and the
/// float steps are applied to 8 rows per instruction.
///
/// The results are bit-identical to KQuantReference.q45_K (the row-by-row reference and the
/// file-layout kernels): per super-block the same exact integers S1 = Σⱼ scⱼ·Σ q·x and
/// S2 = Σⱼ mⱼ·Σ x, then sum + ((d_w·d_a)·S1 − (dmin_w·d_a)·S2), unfused, in block order.
///
/// Layout of a matrix of R rows (R a multiple of 8), nb super-blocks of 256 per row:
/// group g, super-block b at (g·nb + b)·1184 bytes, holding the 8 rows' blocks as
///     0: d of rows 0…7 (halves)            16: dmin of rows 0…7 (halves)
///    32: scales, byte 8j + r = sc_j of row r (the 6-bit values unpacked)
///    96: mins, bytes 16p + 2r, 16p + 2r + 1 = m_2p, m_2p+1 of row r
///   160: quants, chunk (c, k) at 160 + 256c + 32k: bytes 4r…4r+3 = row r's
///        qs[32c + 4k …< 32c + 4k + 4] (low nibbles: sub-block 2c, high: 2c + 1)
/// 1,184 bytes where the file has 8·144 = 1,152: the unpacked scales cost 2.8% more
/// memory and save unpacking 6-bit fields for every token.
public enum Q4_KGroups: RowGroupKernels {
    static let groupBlockBytes = 1184

    /// Bytes of a matrix in this layout.
    public static func packedBytes(rows: Int, cols: Int) -> Int { rows / 8 * (cols / 256) * groupBlockBytes }

    /// Copies `rows` rows (a multiple of 8) of Q4_K blocks (144 bytes) from the file's layout.
    public static func pack(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, cols: Int) {
        let blockBytes = WeightType.q4_K.blockBytes, nb = cols / 256, rowBytes = blockBytes * nb
        for g in 0..<(rows / 8) {
            for b in 0..<nb {
                let to = dst + (g * nb + b) * groupBlockBytes
                for r in 0..<8 {
                    let blk = src + (8 * g + r) * rowBytes + blockBytes * b
                    to.storeBytes(of: blk.loadUnaligned(as: UInt16.self), toByteOffset: 2 * r, as: UInt16.self)
                    to.storeBytes(
                        of: blk.loadUnaligned(fromByteOffset: 2, as: UInt16.self), toByteOffset: 16 + 2 * r,
                        as: UInt16.self)
                    let scales = (blk + 4).assumingMemoryBound(to: UInt8.self)
                    for j in 0..<8 {
                        let (sc, m) = kScaleMin(scales, j)
                        to.storeBytes(of: UInt8(sc), toByteOffset: 32 + 8 * j + r, as: UInt8.self)
                        to.storeBytes(of: UInt8(m), toByteOffset: 96 + 16 * (j / 2) + 2 * r + j % 2, as: UInt8.self)
                    }
                    for c in 0..<4 {
                        for k in 0..<8 {
                            to.storeBytes(
                                of: blk.loadUnaligned(fromByteOffset: 16 + 32 * c + 4 * k, as: UInt32.self),
                                toByteOffset: 160 + 256 * c + 32 * k + 4 * r, as: UInt32.self)
                        }
                    }
                }
            }
        }
    }

    static var blockElements: Int { 256 }
    static var sumsPerBlock: Int { 16 }

    /// The activation sums of sub-blocks 2p and 2p+1 (each |Σ| ≤ 32·127, so 16 bits) as
    /// the two 16-bit halves of one 32-bit value, for `vpmaddwd` against the mins.
    @inline(__always)
    static func subBlockSumPair(_ bs: UnsafePointer<Int32>, _ p: Int) -> Int32 {
        let a = bs[4 * p] &+ bs[4 * p + 1], b = bs[4 * p + 2] &+ bs[4 * p + 3]
        return Int32(bitPattern: UInt32(UInt16(truncatingIfNeeded: a)) | UInt32(UInt16(truncatingIfNeeded: b)) << 16)
    }
}

#if LLAMASWIFT_AVX2

    extension Q4_KGroups {
        /// Row lanes of 8 bytes at p, zero-extended to 32 bits.
        @inline(__always)
        static func bytesToLanes(_ p: UnsafeRawPointer) -> __m256i {
            _mm256_cvtepu8_epi32(_mm_loadl_epi64(p.assumingMemoryBound(to: __m128i.self)))
        }

        /// One token's partial sums of one chunk pair (c): low nibbles against its activations
        /// 64c + 4k…, high nibbles against 64c + 32 + 4k…, for k = 0…7 (see Q4_0Groups.addNibbles).
        @inline(__always)
        static func subBlockPair(_ q: UnsafeRawPointer, _ x: UnsafeRawPointer) -> (lo: __m256i, hi: __m256i) {
            var lo = _mm256_setzero_si256(), hi = lo
            for k in 0..<8 {
                let n = Q4_0Groups.chunk(q + 32 * k)
                lo = Q4_0Groups.addNibbles(lo, n.lo, x.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self))
                hi = Q4_0Groups.addNibbles(hi, n.hi, x.loadUnaligned(fromByteOffset: 32 + 4 * k, as: Int32.self))
            }
            return (lo, hi)
        }

        /// partial sums × each row's scale, as 32-bit lanes: `vpmaddwd` of the 16-bit pair
        /// sums with (sc, sc) (|Σ| ≤ 8·3,810 per pair, times 63 fits 32 bits), or with VNNI's
        /// 32-bit sums a `vpmulld`.
        @inline(__always)
        static func scaled(_ s: __m256i, _ sc: __m256i) -> __m256i {
            #if LLAMASWIFT_VNNI
                _mm256_mullo_epi32(s, sc)
            #else
                _mm256_madd_epi16(s, _mm256_or_si256(sc, _mm256_slli_epi32(sc, 16)))
            #endif
        }

        /// Σⱼ mⱼ·Σ x for the 8 rows: 4 `vpmaddwd` of the (m_2p, m_2p+1) pairs with the pair sums.
        @inline(__always)
        static func minSums(_ blk: UnsafeRawPointer, _ bs: UnsafePointer<Int32>) -> __m256i {
            var s = _mm256_setzero_si256()
            for p in 0..<4 {
                let m = _mm256_cvtepu8_epi16(_mm_loadu_si128((blk + 96 + 16 * p).assumingMemoryBound(to: __m128i.self)))
                s = _mm256_add_epi32(s, _mm256_madd_epi16(m, _mm256_set1_epi32(subBlockSumPair(bs, p))))
            }
            return s
        }

        /// sum + ((d_w·d_a)·S1 − (dmin_w·d_a)·S2), unfused, as KQuantReference.q45_K.
        @inline(__always)
        static func accumulate(
            _ sum: SIMD8<Float>, _ blk: UnsafeRawPointer, _ s1: __m256i, _ s2: __m256i, _ da: Float
        ) -> SIMD8<Float> {
            let dw = Q4_0Groups.scales(blk), dmin = Q4_0Groups.scales(blk + 16)
            let a = _mm256_set1_ps(da)
            let t1 = _mm256_mul_ps(_mm256_mul_ps(dw, a), _mm256_cvtepi32_ps(s1))
            let t2 = _mm256_mul_ps(_mm256_mul_ps(dmin, a), _mm256_cvtepi32_ps(s2))
            return _mm256_add_ps(sum, _mm256_sub_ps(t1, t2))
        }

        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ bsums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            var sum = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + b * groupBlockBytes, xb = x + 256 * b
                var s1 = _mm256_setzero_si256()
                for c in 0..<4 {
                    let q = blk + 160 + 256 * c
                    for l in 0..<4 { lsk_prefetch(q + 2048 + 64 * l) }
                    let (lo, hi) = subBlockPair(q, xb + 64 * c)
                    s1 = _mm256_add_epi32(s1, scaled(lo, bytesToLanes(blk + 32 + 16 * c)))
                    s1 = _mm256_add_epi32(s1, scaled(hi, bytesToLanes(blk + 40 + 16 * c)))
                }
                sum = accumulate(sum, blk, s1, minSums(blk, bsums + 16 * b), d[b])
            }
            _mm256_storeu_ps(out, sum)
        }

        /// Four tokens per pass: each chunk's nibbles decoded once for the 4.
        @inline(__always)
        static func group8x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ bsums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            var sum0 = SIMD8<Float>(), sum1 = sum0, sum2 = sum0, sum3 = sum0
            let bstride = nb * 16
            for b in 0..<nb {
                let blk = g + b * groupBlockBytes
                let x0 = x + 256 * b, x1 = x0 + cols, x2 = x0 + 2 * cols, x3 = x0 + 3 * cols
                var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
                for c in 0..<4 {
                    let q = blk + 160 + 256 * c
                    var l0 = _mm256_setzero_si256(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0
                    for k in 0..<8 {
                        let n = Q4_0Groups.chunk(q + 32 * k)
                        let ol = 64 * c + 4 * k, oh = 64 * c + 32 + 4 * k
                        l0 = Q4_0Groups.addNibbles(l0, n.lo, x0.loadUnaligned(fromByteOffset: ol, as: Int32.self))
                        h0 = Q4_0Groups.addNibbles(h0, n.hi, x0.loadUnaligned(fromByteOffset: oh, as: Int32.self))
                        l1 = Q4_0Groups.addNibbles(l1, n.lo, x1.loadUnaligned(fromByteOffset: ol, as: Int32.self))
                        h1 = Q4_0Groups.addNibbles(h1, n.hi, x1.loadUnaligned(fromByteOffset: oh, as: Int32.self))
                        l2 = Q4_0Groups.addNibbles(l2, n.lo, x2.loadUnaligned(fromByteOffset: ol, as: Int32.self))
                        h2 = Q4_0Groups.addNibbles(h2, n.hi, x2.loadUnaligned(fromByteOffset: oh, as: Int32.self))
                        l3 = Q4_0Groups.addNibbles(l3, n.lo, x3.loadUnaligned(fromByteOffset: ol, as: Int32.self))
                        h3 = Q4_0Groups.addNibbles(h3, n.hi, x3.loadUnaligned(fromByteOffset: oh, as: Int32.self))
                    }
                    let scLo = bytesToLanes(blk + 32 + 16 * c), scHi = bytesToLanes(blk + 40 + 16 * c)
                    s0 = _mm256_add_epi32(s0, _mm256_add_epi32(scaled(l0, scLo), scaled(h0, scHi)))
                    s1 = _mm256_add_epi32(s1, _mm256_add_epi32(scaled(l1, scLo), scaled(h1, scHi)))
                    s2 = _mm256_add_epi32(s2, _mm256_add_epi32(scaled(l2, scLo), scaled(h2, scHi)))
                    s3 = _mm256_add_epi32(s3, _mm256_add_epi32(scaled(l3, scLo), scaled(h3, scHi)))
                }
                let bs = bsums + 16 * b
                sum0 = accumulate(sum0, blk, s0, minSums(blk, bs), d[b])
                sum1 = accumulate(sum1, blk, s1, minSums(blk, bs + bstride), d[nb + b])
                sum2 = accumulate(sum2, blk, s2, minSums(blk, bs + 2 * bstride), d[2 * nb + b])
                sum3 = accumulate(sum3, blk, s3, minSums(blk, bs + 3 * bstride), d[3 * nb + b])
            }
            _mm256_storeu_ps(out, sum0)
            _mm256_storeu_ps(out + ldo, sum1)
            _mm256_storeu_ps(out + 2 * ldo, sum2)
            _mm256_storeu_ps(out + 3 * ldo, sum3)
        }
    }
#else
    extension Q4_KGroups {
        @inline(__always)
        static func bytesToLanes(_ p: UnsafeRawPointer) -> SIMD8<Int32> {
            SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD8<UInt8>.self))
        }

        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ bsums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let xs = x.assumingMemoryBound(to: Int8.self)
            var sum = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + b * groupBlockBytes, xb = xs + 256 * b
                var s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>()
                for c in 0..<4 {
                    var lo = SIMD8<Int32>(), hi = SIMD8<Int32>()
                    for k in 0..<8 {
                        let v = (blk + 160 + 256 * c + 32 * k).loadUnaligned(as: SIMD8<UInt32>.self)
                        for kk in 0..<4 {
                            let byte = SIMD8<Int32>(truncatingIfNeeded: (v &>> UInt32(8 * kk)) & 0xFF)
                            lo &+= (byte & 0xF) &* Int32(xb[64 * c + 4 * k + kk])
                            hi &+= (byte &>> 4) &* Int32(xb[64 * c + 32 + 4 * k + kk])
                        }
                    }
                    s1 &+= lo &* bytesToLanes(blk + 32 + 16 * c) &+ hi &* bytesToLanes(blk + 40 + 16 * c)
                }
                let bs = bsums + 16 * b
                for j in 0..<8 {
                    var m = SIMD8<Int32>()
                    for r in 0..<8 {
                        m[r] = Int32(blk.load(fromByteOffset: 96 + 16 * (j / 2) + 2 * r + j % 2, as: UInt8.self))
                    }
                    s2 &+= m &* (bs[2 * j] &+ bs[2 * j + 1])
                }
                let dw = halves8(blk) * d[b], dmin = halves8(blk + 16) * d[b]
                sum = sum + (dw * SIMD8<Float>(s1) - dmin * SIMD8<Float>(s2))
            }
            for r in 0..<8 { out[r] = sum[r] }
        }
    }
#endif

extension Q4_KGroups {
    /// Q4_K matrices whose row count is a multiple of 8, in groups of 8 rows (2.8% larger
    /// than the file's rows: the scales unpacked).
    public static let layout = WeightLayout(
        name: "Q4_K in groups of 8 rows", activations: .q8Blocks256, accepts: acceptsGroups(of: .q4_K),
        packing: .init(
            bytes: { _, rows, cols in packedBytes(rows: rows, cols: cols) },
            pack: { pack($0.source, $0.destination, rows: $0.rows, cols: $0.cols) }),
        multiply: { run($0) })
}
