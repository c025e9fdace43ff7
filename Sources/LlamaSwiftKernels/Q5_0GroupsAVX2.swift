// Q5_0Groups in the x86-64-v3 and v4 builds: the AVX2 kernels (one group of 8 rows × 1 or 4 tokens).
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
    import LlamaSwiftFormats

    extension Q5_0Groups {
        /// Chunk j's 5-bit values u (low: elements 4j…, high: 16+4j…) of the block at `blk`:
        /// the nibbles, plus 16 where the fifth bit is set (`addFifthBits`).
        @inline(__always)
        static func chunk(_ blk: UnsafeRawPointer, _ j: Int) -> (lo: __m256i, hi: __m256i) {
            let n = Q4_0Groups.chunk(blk + 16 + 32 * j)
            let lo = blk.loadUnaligned(fromByteOffset: 144 + 8 * j, as: UInt32.self)
            let hi = blk.loadUnaligned(fromByteOffset: 148 + 8 * j, as: UInt32.self)
            return (addFifthBits(n.lo, lo), addFifthBits(n.hi, hi))
        }

        /// s + chunk j's products with a token's activations, as each row's 32-bit sum (in v3
        /// through pair sums ≤ 2·31·127: two of them fit 16 bits).
        @inline(__always)
        static func addChunk(_ s: __m256i, _ u: (lo: __m256i, hi: __m256i), _ x: UnsafeRawPointer, _ j: Int) -> __m256i
        {
            let xl = _mm256_set1_epi32(x.loadUnaligned(fromByteOffset: 4 * j, as: Int32.self))
            let xh = _mm256_set1_epi32(x.loadUnaligned(fromByteOffset: 16 + 4 * j, as: Int32.self))
            return addLaneDots(s, u.lo, xl, u.hi, xh)
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
                lsk_prefetch(blk + groupPrefetchBytes)
                lsk_prefetch(blk + groupPrefetchBytes + 64)
                lsk_prefetch(blk + groupPrefetchBytes + 128)
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
#endif
