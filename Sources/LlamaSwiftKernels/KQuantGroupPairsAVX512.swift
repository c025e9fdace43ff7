// Q4_KGroups and Q6_KGroups in the v4 build (AVX-512 with VNNI): prefill's kernel takes two
// adjacent groups of 8 rows at once (RowGroupKernels.group16x4) on 512-bit registers, group
// g's rows in lanes 0–7 and group g+1's in lanes 8–15, as Q4GroupPairsAVX512.swift does for
// Q4_0 and Q4_1. Every lane performs group8x4's operations for its row in the same order,
// so the outputs are the same bits.
#if LLAMASWIFT_VNNI
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
    import LlamaSwiftFormats

    extension Q4GroupPairs {
        /// 8 bytes at `p` (group g's rows) and 8 at `p2` (group g+1's) as one 128-bit value.
        @inline(__always)
        static func bytes8(_ p: UnsafeRawPointer, _ p2: UnsafeRawPointer) -> __m128i {
            _mm_unpacklo_epi64(
                _mm_loadl_epi64(p.assumingMemoryBound(to: __m128i.self)),
                _mm_loadl_epi64(p2.assumingMemoryBound(to: __m128i.self)))
        }

        /// s + each lane's Σ of 4 products of u with the 4 activation bytes at x + offset.
        @inline(__always)
        static func dot(_ s: __m512i, _ u: __m512i, _ x: UnsafeRawPointer, _ offset: Int) -> __m512i {
            lsk_dpbusd512(s, u, _mm512_set1_epi32(x.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        }

        /// 32 bytes at `p` and 32 at `p2` as one 512-bit value.
        @inline(__always)
        static func load(_ p: UnsafeRawPointer, _ p2: UnsafeRawPointer) -> __m512i {
            lsk_join256(
                _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self)),
                _mm256_loadu_si256(p2.assumingMemoryBound(to: __m256i.self)))
        }
    }

    extension Q4_KGroups {
        static var pairsGroups: Bool { true }

        /// Σⱼ mⱼ·Σ x for the 16 rows (Q4_KGroups.minSums per half).
        @inline(__always)
        static func minSums(_ blk: UnsafeRawPointer, _ blk2: UnsafeRawPointer, _ bs: UnsafePointer<Int32>) -> __m512i {
            var s = _mm512_setzero_si512()
            for p in 0..<4 {
                let m = _mm512_cvtepu8_epi16(
                    _mm256_set_m128i(
                        _mm_loadu_si128((blk2 + 96 + 16 * p).assumingMemoryBound(to: __m128i.self)),
                        _mm_loadu_si128((blk + 96 + 16 * p).assumingMemoryBound(to: __m128i.self))))
                s = _mm512_add_epi32(s, _mm512_madd_epi16(m, _mm512_set1_epi32(subBlockSumPair(bs, p))))
            }
            return s
        }

        /// sum + ((d_w·d_a)·S1 − (dmin_w·d_a)·S2), unfused, as Q4_KGroups.accumulate per lane.
        @inline(__always)
        static func accumulate(
            _ sum: __m512, _ blk: UnsafeRawPointer, _ blk2: UnsafeRawPointer, _ s1: __m512i, _ s2: __m512i,
            _ da: Float
        ) -> __m512 {
            let dw = Q4GroupPairs.scales(blk, blk2), dmin = Q4GroupPairs.scales(blk + 16, blk2 + 16)
            let a = _mm512_set1_ps(da)
            let t1 = _mm512_mul_ps(_mm512_mul_ps(dw, a), _mm512_cvtepi32_ps(s1))
            let t2 = _mm512_mul_ps(_mm512_mul_ps(dmin, a), _mm512_cvtepi32_ps(s2))
            return _mm512_add_ps(sum, _mm512_sub_ps(t1, t2))
        }

        @inline(__always)
        static func group16x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ bsums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let g2 = g + nb * groupBlockBytes
            var sum0 = _mm512_setzero_ps(), sum1 = sum0, sum2 = sum0, sum3 = sum0
            let bstride = nb * 16
            for b in 0..<nb {
                let blk = g + b * groupBlockBytes, blk2 = g2 + b * groupBlockBytes
                let x0 = x + 256 * b, x1 = x0 + cols, x2 = x0 + 2 * cols, x3 = x0 + 3 * cols
                var s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0
                for c in 0..<4 {
                    let q = blk + 160 + 256 * c, q2 = blk2 + 160 + 256 * c
                    var l0 = _mm512_setzero_si512(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0
                    for k in 0..<8 {
                        let n = Q4GroupPairs.chunk(q + 32 * k, q2 + 32 * k)
                        let ol = 64 * c + 4 * k, oh = 64 * c + 32 + 4 * k
                        l0 = Q4GroupPairs.dot(l0, n.lo, x0, ol)
                        h0 = Q4GroupPairs.dot(h0, n.hi, x0, oh)
                        l1 = Q4GroupPairs.dot(l1, n.lo, x1, ol)
                        h1 = Q4GroupPairs.dot(h1, n.hi, x1, oh)
                        l2 = Q4GroupPairs.dot(l2, n.lo, x2, ol)
                        h2 = Q4GroupPairs.dot(h2, n.hi, x2, oh)
                        l3 = Q4GroupPairs.dot(l3, n.lo, x3, ol)
                        h3 = Q4GroupPairs.dot(h3, n.hi, x3, oh)
                    }
                    let scLo = _mm512_cvtepu8_epi32(Q4GroupPairs.bytes8(blk + 32 + 16 * c, blk2 + 32 + 16 * c))
                    let scHi = _mm512_cvtepu8_epi32(Q4GroupPairs.bytes8(blk + 40 + 16 * c, blk2 + 40 + 16 * c))
                    @inline(__always)
                    func scaled(_ l: __m512i, _ h: __m512i) -> __m512i {
                        _mm512_add_epi32(_mm512_mullo_epi32(l, scLo), _mm512_mullo_epi32(h, scHi))
                    }
                    s0 = _mm512_add_epi32(s0, scaled(l0, h0))
                    s1 = _mm512_add_epi32(s1, scaled(l1, h1))
                    s2 = _mm512_add_epi32(s2, scaled(l2, h2))
                    s3 = _mm512_add_epi32(s3, scaled(l3, h3))
                }
                let bs = bsums + 16 * b
                sum0 = accumulate(sum0, blk, blk2, s0, minSums(blk, blk2, bs), d[b])
                sum1 = accumulate(sum1, blk, blk2, s1, minSums(blk, blk2, bs + bstride), d[nb + b])
                sum2 = accumulate(sum2, blk, blk2, s2, minSums(blk, blk2, bs + 2 * bstride), d[2 * nb + b])
                sum3 = accumulate(sum3, blk, blk2, s3, minSums(blk, blk2, bs + 3 * bstride), d[3 * nb + b])
            }
            _mm512_storeu_ps(out, sum0)
            _mm512_storeu_ps(out + ldo, sum1)
            _mm512_storeu_ps(out + 2 * ldo, sum2)
            _mm512_storeu_ps(out + 3 * ldo, sum3)
        }
    }

    extension Q6_KGroups {
        static var pairsGroups: Bool { true }

        /// Q6_KGroups.quad for the 16 rows: the quad at `q` (group g) and `q2` (group g+1).
        @inline(__always)
        static func quad(_ q: UnsafeRawPointer, _ q2: UnsafeRawPointer) -> (__m512i, __m512i, __m512i, __m512i) {
            let a = Q4GroupPairs.load(q, q2), b = Q4GroupPairs.load(q + 32, q2 + 32)
            let h = Q4GroupPairs.load(q + 64, q2 + 64)
            let m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30)
            return (
                _mm512_or_si512(_mm512_and_si512(a, m4), _mm512_and_si512(_mm512_slli_epi16(h, 4), m30)),
                _mm512_or_si512(_mm512_and_si512(b, m4), _mm512_and_si512(_mm512_slli_epi16(h, 2), m30)),
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(a, 4), m4), _mm512_and_si512(h, m30)),
                _mm512_or_si512(
                    _mm512_and_si512(_mm512_srli_epi16(b, 4), m4), _mm512_and_si512(_mm512_srli_epi16(h, 2), m30))
            )
        }

        /// sc_s · (Σ u·x − 32·Σx) for the 16 rows of sub-block s (Q6_KGroups.scaled per half).
        @inline(__always)
        static func scaled(
            _ blk: UnsafeRawPointer, _ blk2: UnsafeRawPointer, _ s: Int, _ a: __m512i, _ bs: UnsafePointer<Int32>
        ) -> __m512i {
            let sc = _mm512_cvtepi8_epi32(Q4GroupPairs.bytes8(blk + 16 + 8 * s, blk2 + 16 + 8 * s))
            return _mm512_mullo_epi32(_mm512_sub_epi32(a, _mm512_set1_epi32(bs[s] << 5)), sc)
        }

        /// sum + (d_w·d_a)·S, unfused, as Q6_KGroups.accumulate per lane.
        @inline(__always)
        static func accumulate(
            _ sum: __m512, _ blk: UnsafeRawPointer, _ blk2: UnsafeRawPointer, _ s: __m512i, _ da: Float
        ) -> __m512 {
            let dw = Q4GroupPairs.scales(blk, blk2)
            return _mm512_add_ps(sum, _mm512_mul_ps(_mm512_mul_ps(dw, _mm512_set1_ps(da)), _mm512_cvtepi32_ps(s)))
        }

        @inline(__always)
        static func group16x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ bsums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let g2 = g + nb * groupBlockBytes
            var sum0 = _mm512_setzero_ps(), sum1 = sum0, sum2 = sum0, sum3 = sum0
            let bstride = nb * 16
            for b in 0..<nb {
                let blk = g + b * groupBlockBytes, blk2 = g2 + b * groupBlockBytes
                let x0 = x + 256 * b, x1 = x0 + cols, x2 = x0 + 2 * cols, x3 = x0 + 3 * cols
                let b0 = bsums + 16 * b, b1 = b0 + bstride, b2 = b0 + 2 * bstride, b3 = b0 + 3 * bstride
                var s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0
                for n in 0..<2 {
                    for h in 0..<2 {
                        let z = _mm512_setzero_si512()
                        var a = (z, z, z, z), c = a, e = a, f = a
                        for i in 0..<4 {
                            let o = 144 + 96 * (8 * n + 4 * h + i)
                            let (v1, v2, v3, v4) = quad(blk + o, blk2 + o)
                            let l = 128 * n + 16 * h + 4 * i
                            @inline(__always)
                            func dots(
                                _ p: (__m512i, __m512i, __m512i, __m512i), _ x: UnsafeRawPointer
                            )
                                -> (__m512i, __m512i, __m512i, __m512i)
                            {
                                (
                                    Q4GroupPairs.dot(p.0, v1, x, l), Q4GroupPairs.dot(p.1, v2, x, 32 + l),
                                    Q4GroupPairs.dot(p.2, v3, x, 64 + l), Q4GroupPairs.dot(p.3, v4, x, 96 + l)
                                )
                            }
                            a = dots(a, x0)
                            c = dots(c, x1)
                            e = dots(e, x2)
                            f = dots(f, x3)
                        }
                        let s = 8 * n + h
                        @inline(__always)
                        func four(_ p: (__m512i, __m512i, __m512i, __m512i), _ bs: UnsafePointer<Int32>) -> __m512i {
                            _mm512_add_epi32(
                                _mm512_add_epi32(scaled(blk, blk2, s, p.0, bs), scaled(blk, blk2, s + 2, p.1, bs)),
                                _mm512_add_epi32(scaled(blk, blk2, s + 4, p.2, bs), scaled(blk, blk2, s + 6, p.3, bs)))
                        }
                        s0 = _mm512_add_epi32(s0, four(a, b0))
                        s1 = _mm512_add_epi32(s1, four(c, b1))
                        s2 = _mm512_add_epi32(s2, four(e, b2))
                        s3 = _mm512_add_epi32(s3, four(f, b3))
                    }
                }
                sum0 = accumulate(sum0, blk, blk2, s0, d[b])
                sum1 = accumulate(sum1, blk, blk2, s1, d[nb + b])
                sum2 = accumulate(sum2, blk, blk2, s2, d[2 * nb + b])
                sum3 = accumulate(sum3, blk, blk2, s3, d[3 * nb + b])
            }
            _mm512_storeu_ps(out, sum0)
            _mm512_storeu_ps(out + ldo, sum1)
            _mm512_storeu_ps(out + 2 * ldo, sum2)
            _mm512_storeu_ps(out + 3 * ldo, sum3)
        }
    }
#endif
