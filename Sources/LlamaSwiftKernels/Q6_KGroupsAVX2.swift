// Q6_KGroups in the x86-64-v3 and v4 builds: the AVX2 kernels (one group of 8 rows × 1 or 4 tokens).
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
    import LlamaSwiftFormats

    extension Q6_KGroups {
        /// The four u = q + 32 byte vectors of a quad (see the layout).
        @inline(__always)
        static func quad(_ q: UnsafeRawPointer) -> (__m256i, __m256i, __m256i, __m256i) {
            let a = _mm256_loadu_si256(q.assumingMemoryBound(to: __m256i.self))
            let b = _mm256_loadu_si256((q + 32).assumingMemoryBound(to: __m256i.self))
            let h = _mm256_loadu_si256((q + 64).assumingMemoryBound(to: __m256i.self))
            let m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30)
            return (
                _mm256_or_si256(_mm256_and_si256(a, m4), _mm256_and_si256(_mm256_slli_epi16(h, 4), m30)),
                _mm256_or_si256(_mm256_and_si256(b, m4), _mm256_and_si256(_mm256_slli_epi16(h, 2), m30)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), m4), _mm256_and_si256(h, m30)),
                _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(b, 4), m4), _mm256_and_si256(_mm256_srli_epi16(h, 2), m30))
            )
        }

        /// s + each row lane's Σ of 4 products of u (≤ 63) with 4 activations.
        @inline(__always)
        static func dot(_ s: __m256i, _ u: __m256i, _ x: UnsafeRawPointer, _ offset: Int) -> __m256i {
            addLaneDots(s, u, _mm256_set1_epi32(x.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        }

        /// sc_s · (Σ u·x − 32·Σx) for the 8 rows of sub-block s.
        @inline(__always)
        static func scaled(_ blk: UnsafeRawPointer, _ s: Int, _ a: __m256i, _ bs: UnsafePointer<Int32>) -> __m256i {
            let sc = _mm256_cvtepi8_epi32(_mm_loadl_epi64((blk + 16 + 8 * s).assumingMemoryBound(to: __m128i.self)))
            return _mm256_mullo_epi32(_mm256_sub_epi32(a, _mm256_set1_epi32(bs[s] << 5)), sc)
        }

        /// One token's S for sub-blocks 8n + {0, 2, 4, 6} + h, from the 4 quads i = 0…3.
        @inline(__always)
        static func quarter(
            _ blk: UnsafeRawPointer, _ n: Int, _ h: Int, _ x: UnsafeRawPointer, _ bs: UnsafePointer<Int32>
        ) -> __m256i {
            var a1 = _mm256_setzero_si256(), a2 = a1, a3 = a1, a4 = a1
            let xb = x + 128 * n
            for i in 0..<4 {
                let (v1, v2, v3, v4) = quad(blk + 144 + 96 * (8 * n + 4 * h + i))
                let l = 16 * h + 4 * i
                a1 = dot(a1, v1, xb, l)
                a2 = dot(a2, v2, xb, 32 + l)
                a3 = dot(a3, v3, xb, 64 + l)
                a4 = dot(a4, v4, xb, 96 + l)
            }
            let s = 8 * n + h
            return _mm256_add_epi32(
                _mm256_add_epi32(scaled(blk, s, a1, bs), scaled(blk, s + 2, a2, bs)),
                _mm256_add_epi32(scaled(blk, s + 4, a3, bs), scaled(blk, s + 6, a4, bs)))
        }

        /// sum + (d_w·d_a)·S, unfused, as KQuantReference.q6_K.
        @inline(__always)
        static func accumulate(_ sum: SIMD8<Float>, _ blk: UnsafeRawPointer, _ s: __m256i, _ da: Float) -> SIMD8<Float>
        {
            let dw = _mm256_cvtph_ps(_mm_loadu_si128(blk.assumingMemoryBound(to: __m128i.self)))
            return _mm256_add_ps(sum, _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_set1_ps(da)), _mm256_cvtepi32_ps(s)))
        }

        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ bsums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            var sum = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + b * groupBlockBytes, xb = x + 256 * b, bs = bsums + 16 * b
                var s = _mm256_setzero_si256()
                for n in 0..<2 {
                    for h in 0..<2 {
                        let q = blk + 144 + 384 * (2 * n + h)
                        for l in 0..<6 { lsk_prefetch(q + groupPrefetchBytes + 64 * l) }
                        s = _mm256_add_epi32(s, quarter(blk, n, h, xb, bs))
                    }
                }
                sum = accumulate(sum, blk, s, d[b])
            }
            _mm256_storeu_ps(out, sum)
        }

        /// Four tokens per pass: each quad's values decoded once for the 4.
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
                let b0 = bsums + 16 * b, b1 = b0 + bstride, b2 = b0 + 2 * bstride, b3 = b0 + 3 * bstride
                var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
                for n in 0..<2 {
                    for h in 0..<2 {
                        var a = (
                            _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                            _mm256_setzero_si256()
                        )
                        var c = a, e = a, f = a
                        for i in 0..<4 {
                            let (v1, v2, v3, v4) = quad(blk + 144 + 96 * (8 * n + 4 * h + i))
                            let l = 128 * n + 16 * h + 4 * i
                            a = (
                                dot(a.0, v1, x0, l), dot(a.1, v2, x0, 32 + l), dot(a.2, v3, x0, 64 + l),
                                dot(a.3, v4, x0, 96 + l)
                            )
                            c = (
                                dot(c.0, v1, x1, l), dot(c.1, v2, x1, 32 + l), dot(c.2, v3, x1, 64 + l),
                                dot(c.3, v4, x1, 96 + l)
                            )
                            e = (
                                dot(e.0, v1, x2, l), dot(e.1, v2, x2, 32 + l), dot(e.2, v3, x2, 64 + l),
                                dot(e.3, v4, x2, 96 + l)
                            )
                            f = (
                                dot(f.0, v1, x3, l), dot(f.1, v2, x3, 32 + l), dot(f.2, v3, x3, 64 + l),
                                dot(f.3, v4, x3, 96 + l)
                            )
                        }
                        let s = 8 * n + h
                        @inline(__always)
                        func four(_ p: (__m256i, __m256i, __m256i, __m256i), _ bs: UnsafePointer<Int32>) -> __m256i {
                            _mm256_add_epi32(
                                _mm256_add_epi32(scaled(blk, s, p.0, bs), scaled(blk, s + 2, p.1, bs)),
                                _mm256_add_epi32(scaled(blk, s + 4, p.2, bs), scaled(blk, s + 6, p.3, bs)))
                        }
                        s0 = _mm256_add_epi32(s0, four(a, b0))
                        s1 = _mm256_add_epi32(s1, four(c, b1))
                        s2 = _mm256_add_epi32(s2, four(e, b2))
                        s3 = _mm256_add_epi32(s3, four(f, b3))
                    }
                }
                sum0 = accumulate(sum0, blk, s0, d[b])
                sum1 = accumulate(sum1, blk, s1, d[nb + b])
                sum2 = accumulate(sum2, blk, s2, d[2 * nb + b])
                sum3 = accumulate(sum3, blk, s3, d[3 * nb + b])
            }
            _mm256_storeu_ps(out, sum0)
            _mm256_storeu_ps(out + ldo, sum1)
            _mm256_storeu_ps(out + 2 * ldo, sum2)
            _mm256_storeu_ps(out + 3 * ldo, sum3)
        }
    }
#endif
