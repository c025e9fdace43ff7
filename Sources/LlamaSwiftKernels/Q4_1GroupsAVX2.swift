// Q4_1Groups in the x86-64-v3 and v4 builds: the AVX2 kernels (one group of 8 rows × 1 or 4
// tokens), Q4_0Groups' nibble products with a minimum term per block.
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
    import LlamaSwiftFormats

    extension Q4_1Groups {
        /// acc + Float(Σ n·x)·(d_w·d_a) + m_w·s_a for one block of 8 rows, in that order.
        @inline(__always)
        static func accumulate(
            _ acc: SIMD8<Float>, _ s: __m256i, _ sa: Float, _ dw: SIMD8<Float>, _ mw: SIMD8<Float>, _ da: Float
        ) -> SIMD8<Float> {
            let a = _mm256_fmadd_ps(_mm256_cvtepi32_ps(laneSums(s)), _mm256_mul_ps(dw, _mm256_set1_ps(da)), acc)
            return _mm256_fmadd_ps(mw, _mm256_set1_ps(sa), a)
        }

        /// Σ n·x of one block for 8 rows (lane partial sums; `laneSums` finishes them).
        @inline(__always)
        static func blockProducts(_ q: UnsafeRawPointer, _ x: UnsafeRawPointer) -> __m256i {
            var s = Q4_0Groups.addChunk(_mm256_setzero_si256(), Q4_0Groups.chunk(q), x, 0)
            s = Q4_0Groups.addChunk(s, Q4_0Groups.chunk(q + 32), x, 1)
            s = Q4_0Groups.addChunk(s, Q4_0Groups.chunk(q + 64), x, 2)
            return Q4_0Groups.addChunk(s, Q4_0Groups.chunk(q + 96), x, 3)
        }

        /// One group × one token (decode), asking for every cache line of the block
        /// `groupPrefetchBytes` ahead (as Q4_0Groups).
        @inline(__always)
        static func group8x1(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Float>,
            _ out: UnsafeMutablePointer<Float>
        ) {
            var acc = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + 160 * b
                lsk_prefetch(blk + groupPrefetchBytes)
                lsk_prefetch(blk + groupPrefetchBytes + 64)
                lsk_prefetch(blk + groupPrefetchBytes + 128)
                let s = blockProducts(blk + 32, x + 32 * b)
                acc = accumulate(acc, s, sums[b], Q4_0Groups.scales(blk), Q4_0Groups.scales(blk + 16), d[b])
            }
            _mm256_storeu_ps(out, acc)
        }

        /// One group × 4 tokens (prefill): each chunk's nibbles decoded once for 4 tokens.
        @inline(__always)
        static func group8x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for b in 0..<nb {
                let blk = g + 160 * b, q = blk + 32, o = 32 * b
                // For batched decode, as Q4_0Groups.group8x4.
                lsk_prefetch(blk + groupPrefetchBytes)
                lsk_prefetch(blk + groupPrefetchBytes + 64)
                lsk_prefetch(blk + groupPrefetchBytes + 128)
                var s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0
                for j in 0..<4 {
                    let c = Q4_0Groups.chunk(q + 32 * j)
                    s0 = Q4_0Groups.addChunk(s0, c, x + o, j)
                    s1 = Q4_0Groups.addChunk(s1, c, x1 + o, j)
                    s2 = Q4_0Groups.addChunk(s2, c, x2 + o, j)
                    s3 = Q4_0Groups.addChunk(s3, c, x3 + o, j)
                }
                let dw = Q4_0Groups.scales(blk), mw = Q4_0Groups.scales(blk + 16)
                a0 = accumulate(a0, s0, sums[b], dw, mw, d[b])
                a1 = accumulate(a1, s1, sums[nb + b], dw, mw, d[nb + b])
                a2 = accumulate(a2, s2, sums[2 * nb + b], dw, mw, d[2 * nb + b])
                a3 = accumulate(a3, s3, sums[3 * nb + b], dw, mw, d[3 * nb + b])
            }
            _mm256_storeu_ps(out, a0)
            _mm256_storeu_ps(out + ldo, a1)
            _mm256_storeu_ps(out + 2 * ldo, a2)
            _mm256_storeu_ps(out + 3 * ldo, a3)
        }
    }
#endif
