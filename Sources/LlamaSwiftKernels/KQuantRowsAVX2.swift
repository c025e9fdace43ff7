// KQuantRows in the x86-64-v3 and v4 builds: one row × one token with AVX2, the same exact
// integer sums per block and float steps as KQuantReference.
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import LlamaSwiftFormats

    extension KQuantRows {
        @inline(__always)
        static func load32(_ p: UnsafeRawPointer) -> __m256i {
            _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
        }

        /// The exact sum of eight 32-bit lanes.
        @inline(__always)
        static func sum(_ v: __m256i) -> Int32 {
            let s = unsafeBitCast(v, to: SIMD8<Int32>.self)
            let h = s.lowHalf &+ s.highHalf
            return (h[0] &+ h[2]) &+ (h[1] &+ h[3])
        }

        /// Q4_K / Q5_K (`five`): Σ over the 8 sub-blocks of 32 of scale·Σ q·x, with q the
        /// nibble (plus Q5's fifth bit from qh) — |q·x| pair sums ≤ 2·31·127 fit 16 bits,
        /// times a 6-bit scale they fit 32 — and the mins through the activation sums, as
        /// the reference.
        @inline(__always)
        static func q45_K(
            _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ bsums: UnsafePointer<Int32>,
            _ nb: Int, five: Bool
        ) -> Float {
            let bytes = five ? WeightType.q5_K.blockBytes : WeightType.q4_K.blockBytes
            let low4 = _mm256_set1_epi8(0x0F), bit0 = _mm256_set1_epi8(1)
            var total: Float = 0
            for b in 0..<nb {
                let blk = w + bytes * b
                let scales = (blk + 4).assumingMemoryBound(to: UInt8.self)
                let qs = blk + (five ? 48 : 16)
                let x = UnsafeRawPointer(a + 256 * b)
                let qh = five ? load32(blk + 16) : _mm256_setzero_si256()
                var acc = _mm256_setzero_si256()
                var msum: Int32 = 0
                for c in 0..<4 {
                    let (scLo, mLo) = kScaleMin(scales, 2 * c)
                    let (scHi, mHi) = kScaleMin(scales, 2 * c + 1)
                    let q = load32(qs + 32 * c)
                    var lo = _mm256_and_si256(q, low4)
                    var hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4)
                    if five {
                        let bl = _mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 * c)), bit0)
                        let bh = _mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 * c + 1)), bit0)
                        lo = _mm256_or_si256(lo, _mm256_slli_epi16(bl, 4))
                        hi = _mm256_or_si256(hi, _mm256_slli_epi16(bh, 4))
                    }
                    let pl = _mm256_maddubs_epi16(lo, load32(x + 64 * c))
                    let ph = _mm256_maddubs_epi16(hi, load32(x + 64 * c + 32))
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pl, _mm256_set1_epi16(Int16(scLo))))
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(ph, _mm256_set1_epi16(Int16(scHi))))
                    let bs = bsums + 16 * b + 4 * c
                    msum &+= mLo &* (bs[0] &+ bs[1]) &+ mHi &* (bs[2] &+ bs[3])
                }
                let isum = sum(acc)
                let d = loadHalf(blk, 0) * ad[b]
                let dmin = loadHalf(blk, 2) * ad[b]
                total += d * Float(isum) - dmin * Float(msum)
            }
            return total
        }

        /// Q6_K: with u = q + 32 ∈ [0, 63] (unsigned, for vpmaddubsw), Σ sc·(q·x) =
        /// Σ sc·(u·x) − 32·Σₖ scₖ·(Σ x over sub-block k), the last from the activation sums.
        @inline(__always)
        static func q6_K(
            _ w: UnsafeRawPointer, _ a: UnsafePointer<Int8>, _ ad: UnsafePointer<Float>, _ bsums: UnsafePointer<Int32>,
            _ nb: Int
        ) -> Float {
            let low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03)
            var total: Float = 0
            for b in 0..<nb {
                let blk = w + WeightType.q6_K.blockBytes * b
                let sc = (blk + 192).assumingMemoryBound(to: Int8.self)
                let x = UnsafeRawPointer(a + 256 * b)
                var acc = _mm256_setzero_si256()
                for h in 0..<2 {
                    let qa = load32(blk + 64 * h), qb = load32(blk + 64 * h + 32), hb = load32(blk + 128 + 32 * h)
                    let x0 = x + 128 * h
                    let s = sc + 8 * h
                    @inline(__always)
                    func high(_ shift: Int32) -> __m256i {
                        _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, shift), low2), 4)
                    }
                    let u1 = _mm256_or_si256(_mm256_and_si256(qa, low4), high(0))
                    let u2 = _mm256_or_si256(_mm256_and_si256(qb, low4), high(2))
                    let u3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qa, 4), low4), high(4))
                    let u4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qb, 4), low4), high(6))
                    // Elements 0…15 of each group of 32 take scale s[2k], 16…31 take s[2k+1].
                    @inline(__always)
                    func scales(_ k: Int) -> __m256i {
                        _mm256_set_m128i(_mm_set1_epi16(Int16(s[2 * k + 1])), _mm_set1_epi16(Int16(s[2 * k])))
                    }
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u1, load32(x0)), scales(0)))
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u2, load32(x0 + 32)), scales(1)))
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u3, load32(x0 + 64)), scales(2)))
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u4, load32(x0 + 96)), scales(3)))
                }
                var offset: Int32 = 0
                for k in 0..<16 { offset &+= Int32(sc[k]) &* bsums[16 * b + k] }
                let isum = sum(acc) &- 32 &* offset
                total += loadHalf(blk, 208) * ad[b] * Float(isum)
            }
            return total
        }
    }
#endif
