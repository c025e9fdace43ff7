// Q4_KGroups in the x86-64-v3 and v4 builds: the AVX2 kernels (one group of 8 rows × 1 or 4 tokens).
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
    import LlamaSwiftFormats

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

        /// partial sums × each row's scale, as 32-bit lanes (`scaledLaneSums`: in v3 the
        /// pair sums, |Σ| ≤ 8·3,810, times the 6-bit scale fit 32 bits).
        @inline(__always)
        static func scaled(_ s: __m256i, _ sc: __m256i) -> __m256i {
            scaledLaneSums(s, sc)
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
                    for l in 0..<4 { lsk_prefetch(q + groupPrefetchBytes + 64 * l) }
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
#endif
