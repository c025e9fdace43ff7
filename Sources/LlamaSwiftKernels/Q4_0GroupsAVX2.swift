// Q4_0Groups in the x86-64-v3 and v4 builds: the AVX2 kernels (one group of 8 rows × 1 or 4 tokens).
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
    import LlamaSwiftFormats

    extension Q4_0Groups {
        /// The low and high nibbles of a 32-byte chunk as bytes.
        @inline(__always)
        static func chunk(_ p: UnsafeRawPointer) -> (lo: __m256i, hi: __m256i) {
            let v = _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
            let m4 = _mm256_set1_epi8(0x0F)
            return (_mm256_and_si256(v, m4), _mm256_and_si256(_mm256_srli_epi16(v, 4), m4))
        }

        /// Adds the products of nibbles (one byte per element, 4 per row lane) with 4
        /// activations broadcast to every row's lane, to partial sums (`addByteProducts`: in
        /// v3 16-bit pair sums, each term at most 2·15·127 = 3,810 in magnitude, so 8 of
        /// them fit).
        @inline(__always)
        static func addNibbles(_ s: __m256i, _ n: __m256i, _ x4: Int32) -> __m256i {
            addByteProducts(s, n, _mm256_set1_epi32(x4))
        }

        /// Adds chunk j's products with a token's activations 4j…4j+3 (low nibbles) and
        /// 16+4j…16+4j+3 (high): 8 terms per block.
        @inline(__always)
        static func addChunk(_ s: __m256i, _ c: (lo: __m256i, hi: __m256i), _ x: UnsafeRawPointer, _ j: Int) -> __m256i
        {
            let s = addNibbles(s, c.lo, x.loadUnaligned(fromByteOffset: 4 * j, as: Int32.self))
            return addNibbles(s, c.hi, x.loadUnaligned(fromByteOffset: 16 + 4 * j, as: Int32.self))
        }

        /// acc + Float(Σ n·x − 8·Σx) · (d_w · d_a) for one block of 8 rows.
        @inline(__always)
        static func accumulate(
            _ acc: SIMD8<Float>, _ s: __m256i, _ sum: Int32, _ dw: SIMD8<Float>, _ da: Float
        ) -> SIMD8<Float> {
            let isum = _mm256_sub_epi32(laneSums(s), _mm256_set1_epi32(sum << 3))
            return _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(da)), acc)
        }

        @inline(__always)
        static func scales(_ p: UnsafeRawPointer) -> SIMD8<Float> {
            _mm256_cvtph_ps(_mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self)))
        }

        /// One group × one token (decode). It asks for the weights 2 KB ahead (1 thread,
        /// 7B-shaped: 6.8 tokens/s; 6.1–6.4 without the hint, 6.4–6.7 at 512 or 1024 bytes).
        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            let sc = g
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let q = g + 144 * b + 16, xb = x + 32 * b
                lsk_prefetch(q + 2048)
                var s = addChunk(_mm256_setzero_si256(), chunk(q), xb, 0)
                s = addChunk(s, chunk(q + 32), xb, 1)
                s = addChunk(s, chunk(q + 64), xb, 2)
                s = addChunk(s, chunk(q + 96), xb, 3)
                acc = accumulate(acc, s, sums[b], scales(sc + 144 * b), d[b])
            }
            _mm256_storeu_ps(out, acc)
        }

        /// One group × 4 tokens (prefill): each chunk's nibbles decoded once for 4 tokens.
        @inline(__always)
        static func group8x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let sc = g
            let x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols
            let nbd = nb
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for b in 0..<nb {
                let q = g + 144 * b + 16, o = 32 * b
                var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
                for j in 0..<4 {
                    let c = chunk(q + 32 * j)
                    s0 = addChunk(s0, c, x + o, j)
                    s1 = addChunk(s1, c, x1 + o, j)
                    s2 = addChunk(s2, c, x2 + o, j)
                    s3 = addChunk(s3, c, x3 + o, j)
                }
                let dw = scales(sc + 144 * b)
                a0 = accumulate(a0, s0, sums[b], dw, d[b])
                a1 = accumulate(a1, s1, sums[nbd + b], dw, d[nbd + b])
                a2 = accumulate(a2, s2, sums[2 * nbd + b], dw, d[2 * nbd + b])
                a3 = accumulate(a3, s3, sums[3 * nbd + b], dw, d[3 * nbd + b])
            }
            _mm256_storeu_ps(out, a0)
            _mm256_storeu_ps(out + ldo, a1)
            _mm256_storeu_ps(out + 2 * ldo, a2)
            _mm256_storeu_ps(out + 3 * ldo, a3)
        }
    }
#endif
