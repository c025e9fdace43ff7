// Q4_0Groups, Q4_1Groups and Q5_0Groups in the v4 build (AVX-512 with VNNI): prefill's kernel takes two
// adjacent groups of 8 rows at once (RowGroupKernels.group16x4), group g's rows in lanes
// 0–7 of a 512-bit register and group g+1's in lanes 8–15. Each `vpdpbusd`, conversion and
// fused multiply-add then does 16 rows' work instead of 8: this machine's cores run
// 512-bit `vpdpbusd` at nearly twice the products per cycle of the 256-bit one
// (scripts/int8-peak.sh, docs/performance.md). Every lane performs the operations of
// group8x4 for its row in the same order, so the outputs are the same bits.
#if LLAMASWIFT_VNNI
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
    import LlamaSwiftFormats

    /// The pieces the pair kernels share (Q4_0, Q4_1 and Q5_0 groups lay out their nibble
    /// chunks alike, Q4_0Groups' doc; the K-quant pair kernels use them too).
    enum Q4GroupPairs {
        /// Chunk bytes of group g at `p` and of group g+1 at `p2`, as low and high nibbles.
        @inline(__always)
        static func chunk(_ p: UnsafeRawPointer, _ p2: UnsafeRawPointer) -> (lo: __m512i, hi: __m512i) {
            let v = lsk_join256(
                _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self)),
                _mm256_loadu_si256(p2.assumingMemoryBound(to: __m256i.self)))
            let m4 = _mm512_set1_epi8(0x0F)
            return (_mm512_and_si512(v, m4), _mm512_and_si512(_mm512_srli_epi16(v, 4), m4))
        }

        /// Adds chunk j's products with a token's activations 4j…4j+3 (low nibbles) and
        /// 16+4j…16+4j+3 (high), as Q4_0Groups.addChunk does for 8 rows.
        @inline(__always)
        static func addChunk(
            _ s: __m512i, _ c: (lo: __m512i, hi: __m512i), _ x: UnsafeRawPointer, _ j: Int
        )
            -> __m512i
        {
            let s = lsk_dpbusd512(s, c.lo, _mm512_set1_epi32(x.loadUnaligned(fromByteOffset: 4 * j, as: Int32.self)))
            return lsk_dpbusd512(
                s, c.hi, _mm512_set1_epi32(x.loadUnaligned(fromByteOffset: 16 + 4 * j, as: Int32.self)))
        }

        /// 8 half-precision scales at `p` (group g) and 8 at `p2` (group g+1) as 16 floats.
        @inline(__always)
        static func scales(_ p: UnsafeRawPointer, _ p2: UnsafeRawPointer) -> __m512 {
            _mm512_cvtph_ps(
                _mm256_set_m128i(
                    _mm_loadu_si128(p2.assumingMemoryBound(to: __m128i.self)),
                    _mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self))))
        }
    }

    extension Q4_0Groups {
        static var pairsGroups: Bool { true }

        /// acc + Float(Σ n·x − 8·Σx)·(d_w·d_a), as Q4_0Groups.accumulate per lane.
        @inline(__always)
        static func accumulate(_ acc: __m512, _ s: __m512i, _ sum: Int32, _ dw: __m512, _ da: Float) -> __m512 {
            let isum = _mm512_sub_epi32(s, _mm512_set1_epi32(sum << 3))
            return _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, _mm512_set1_ps(da)), acc)
        }

        @inline(__always)
        static func group16x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let g2 = g + 144 * nb
            let x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols
            var a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
            for b in 0..<nb {
                let q = g + 144 * b + 16, q2 = g2 + 144 * b + 16, o = 32 * b
                var s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0
                for j in 0..<4 {
                    let c = Q4GroupPairs.chunk(q + 32 * j, q2 + 32 * j)
                    s0 = Q4GroupPairs.addChunk(s0, c, x + o, j)
                    s1 = Q4GroupPairs.addChunk(s1, c, x1 + o, j)
                    s2 = Q4GroupPairs.addChunk(s2, c, x2 + o, j)
                    s3 = Q4GroupPairs.addChunk(s3, c, x3 + o, j)
                }
                let dw = Q4GroupPairs.scales(g + 144 * b, g2 + 144 * b)
                a0 = accumulate(a0, s0, sums[b], dw, d[b])
                a1 = accumulate(a1, s1, sums[nb + b], dw, d[nb + b])
                a2 = accumulate(a2, s2, sums[2 * nb + b], dw, d[2 * nb + b])
                a3 = accumulate(a3, s3, sums[3 * nb + b], dw, d[3 * nb + b])
            }
            _mm512_storeu_ps(out, a0)
            _mm512_storeu_ps(out + ldo, a1)
            _mm512_storeu_ps(out + 2 * ldo, a2)
            _mm512_storeu_ps(out + 3 * ldo, a3)
        }
    }

    extension Q4_1Groups {
        static var pairsGroups: Bool { true }

        /// acc + Float(Σ n·x)·(d_w·d_a) + m_w·s_a, as Q4_1Groups.accumulate per lane.
        @inline(__always)
        static func accumulate(
            _ acc: __m512, _ s: __m512i, _ sa: Float, _ dw: __m512, _ mw: __m512, _ da: Float
        ) -> __m512 {
            let a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, _mm512_set1_ps(da)), acc)
            return _mm512_fmadd_ps(mw, _mm512_set1_ps(sa), a)
        }

        @inline(__always)
        static func group16x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let g2 = g + 160 * nb
            let x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols
            var a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
            for b in 0..<nb {
                let blk = g + 160 * b, blk2 = g2 + 160 * b, o = 32 * b
                var s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0
                for j in 0..<4 {
                    let c = Q4GroupPairs.chunk(blk + 32 + 32 * j, blk2 + 32 + 32 * j)
                    s0 = Q4GroupPairs.addChunk(s0, c, x + o, j)
                    s1 = Q4GroupPairs.addChunk(s1, c, x1 + o, j)
                    s2 = Q4GroupPairs.addChunk(s2, c, x2 + o, j)
                    s3 = Q4GroupPairs.addChunk(s3, c, x3 + o, j)
                }
                let dw = Q4GroupPairs.scales(blk, blk2), mw = Q4GroupPairs.scales(blk + 16, blk2 + 16)
                a0 = accumulate(a0, s0, sums[b], dw, mw, d[b])
                a1 = accumulate(a1, s1, sums[nb + b], dw, mw, d[nb + b])
                a2 = accumulate(a2, s2, sums[2 * nb + b], dw, mw, d[2 * nb + b])
                a3 = accumulate(a3, s3, sums[3 * nb + b], dw, mw, d[3 * nb + b])
            }
            _mm512_storeu_ps(out, a0)
            _mm512_storeu_ps(out + ldo, a1)
            _mm512_storeu_ps(out + 2 * ldo, a2)
            _mm512_storeu_ps(out + 3 * ldo, a3)
        }
    }

    extension Q5_0Groups {
        static var pairsGroups: Bool { true }

        /// Chunk j of two groups' blocks at `blk` and `blk2` as 5-bit values u = n + 16·bit
        /// (Q5_0Groups.chunk per half; the 32 fifth bits of each half mask a byte add).
        @inline(__always)
        static func chunk(_ blk: UnsafeRawPointer, _ blk2: UnsafeRawPointer, _ j: Int) -> (lo: __m512i, hi: __m512i) {
            let n = Q4GroupPairs.chunk(blk + 16 + 32 * j, blk2 + 16 + 32 * j)
            @inline(__always)
            func bits(_ offset: Int) -> UInt64 {
                UInt64(blk.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    | UInt64(blk2.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) << 32
            }
            let sixteen = _mm512_set1_epi8(0x10)
            return (
                _mm512_mask_add_epi8(n.lo, bits(144 + 8 * j), n.lo, sixteen),
                _mm512_mask_add_epi8(n.hi, bits(148 + 8 * j), n.hi, sixteen)
            )
        }

        /// acc + Float(Σ u·x − 16·Σx)·(d_w·d_a), as Q5_0Groups.accumulate per lane.
        @inline(__always)
        static func accumulate(_ acc: __m512, _ s: __m512i, _ sum: Int32, _ dw: __m512, _ da: Float) -> __m512 {
            let isum = _mm512_sub_epi32(s, _mm512_set1_epi32(sum << 4))
            return _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, _mm512_set1_ps(da)), acc)
        }

        @inline(__always)
        static func group16x4(
            _ g: UnsafeRawPointer, _ nb: Int, _ x: UnsafeRawPointer, _ cols: Int, _ d: UnsafePointer<Float>,
            _ sums: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>, _ ldo: Int
        ) {
            let g2 = g + 176 * nb
            let x1 = x + cols, x2 = x + 2 * cols, x3 = x + 3 * cols
            var a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0
            for b in 0..<nb {
                let blk = g + 176 * b, blk2 = g2 + 176 * b, o = 32 * b
                var s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0
                for j in 0..<4 {
                    let c = chunk(blk, blk2, j)
                    s0 = Q4GroupPairs.addChunk(s0, c, x + o, j)
                    s1 = Q4GroupPairs.addChunk(s1, c, x1 + o, j)
                    s2 = Q4GroupPairs.addChunk(s2, c, x2 + o, j)
                    s3 = Q4GroupPairs.addChunk(s3, c, x3 + o, j)
                }
                let dw = Q4GroupPairs.scales(blk, blk2)
                a0 = accumulate(a0, s0, sums[b], dw, d[b])
                a1 = accumulate(a1, s1, sums[nb + b], dw, d[nb + b])
                a2 = accumulate(a2, s2, sums[2 * nb + b], dw, d[2 * nb + b])
                a3 = accumulate(a3, s3, sums[3 * nb + b], dw, d[3 * nb + b])
            }
            _mm512_storeu_ps(out, a0)
            _mm512_storeu_ps(out + ldo, a1)
            _mm512_storeu_ps(out + 2 * ldo, a2)
            _mm512_storeu_ps(out + 3 * ldo, a3)
        }
    }
#endif
