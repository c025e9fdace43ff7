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
            // The shift on the vector: as `sum << 3` it took a scalar load, shift, move and
            // broadcast per token and block.
            let isum = _mm256_sub_epi32(laneSums(s), _mm256_slli_epi32(_mm256_set1_epi32(sum), 3))
            return _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(da)), acc)
        }

        @inline(__always)
        static func scales(_ p: UnsafeRawPointer) -> SIMD8<Float> {
            _mm256_cvtph_ps(_mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self)))
        }

        /// One group × one token (decode). It asks for every cache line a block spans (144
        /// bytes: up to 3 lines) `groupPrefetchBytes` ahead (Q32BlocksAVX2.swift gives the
        /// distance measured for each level). One hint per block left a third of the lines
        /// to the hardware prefetcher: TinyLlama-shaped Q4_0 decoded at 12–14 tokens/s on an
        /// AVX2-only EPYC against 18–20 with all lines asked for (1 thread, interleaved runs).
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
                lsk_prefetch(q + groupPrefetchBytes)
                lsk_prefetch(q + groupPrefetchBytes + 64)
                lsk_prefetch(q + groupPrefetchBytes + 128)
                var s = addChunk(_mm256_setzero_si256(), chunk(q), xb, 0)
                s = addChunk(s, chunk(q + 32), xb, 1)
                s = addChunk(s, chunk(q + 64), xb, 2)
                s = addChunk(s, chunk(q + 96), xb, 3)
                acc = accumulate(acc, s, sums[b], scales(sc + 144 * b), d[b])
            }
            _mm256_storeu_ps(out, acc)
        }

        /// One group × 4 tokens (prefill): a block's 8 nibble chunks are decoded once, then
        /// each token's 8 products are summed in turn. The 4 running sums live in the output
        /// rows rather than in registers: AVX2 has 16, and 8 decoded chunks + 4 sums + the
        /// temporaries did not fit (LLVM spilled chunks and shuffled registers every block).
        /// Each row still gets acc = fma(Σ, d_w·d_a, acc) from 0, block by block: same bits.
        @inline(__always)
        static func group8x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let sc = g
            for t in 0..<4 { _mm256_storeu_ps(out + t * ldo, SIMD8<Float>()) }
            for b in 0..<nb {
                let q = g + 144 * b + 16, o = 32 * b
                // Batched decode (a few tokens per pass) streams the weights from memory as
                // decode does; prefill finds them in cache and pays 3 hints per 4 tokens.
                lsk_prefetch(q + groupPrefetchBytes)
                lsk_prefetch(q + groupPrefetchBytes + 64)
                lsk_prefetch(q + groupPrefetchBytes + 128)
                let c0 = chunk(q), c1 = chunk(q + 32), c2 = chunk(q + 64), c3 = chunk(q + 96)
                let dw = scales(sc + 144 * b)
                @inline(__always) func token(_ t: Int) {
                    let xt = x + t * cols + o
                    var s = addChunk(_mm256_setzero_si256(), c0, xt, 0)
                    s = addChunk(s, c1, xt, 1)
                    s = addChunk(s, c2, xt, 2)
                    s = addChunk(s, c3, xt, 3)
                    let p = out + t * ldo
                    _mm256_storeu_ps(p, accumulate(_mm256_loadu_ps(p), s, sums[t * nb + b], dw, d[t * nb + b]))
                }
                token(0)
                token(1)
                token(2)
                token(3)
            }
        }
    }
#endif
