// The steps where the x86-64-v4 build (AVX-512 with VNNI and BW) and the x86-64-v3 build
// (AVX2) use different instructions, in one place: the kernels call these and hold no
// `#if LLAMASWIFT_VNNI` of their own. Both choices give the same exact integers.
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU

    /// Partial sums of unsigned × signed byte products, per 32-bit lane (4 bytes of each
    /// operand): with VNNI (v4) already each lane's 32-bit sum (`vpdpbusd`); otherwise
    /// 16-bit sums of pairs (`vpmaddubsw`), which `laneSums` or `scaledLaneSums` widen. The
    /// caller keeps the v3 pair sums within 16 bits: the number of products added times
    /// 2·max|u|·max|x| (the kernels' comments give their bound).
    @inline(__always)
    func addByteProducts(_ s: __m256i, _ u: __m256i, _ x: __m256i) -> __m256i {
        #if LLAMASWIFT_VNNI
            lsk_dpbusd(s, u, x)
        #else
            _mm256_add_epi16(s, _mm256_maddubs_epi16(u, x))
        #endif
    }

    /// addByteProducts' partial sums as each lane's 32-bit sum (v3: `vpmaddwd` by ones).
    @inline(__always)
    func laneSums(_ s: __m256i) -> __m256i {
        #if LLAMASWIFT_VNNI
            s
        #else
            _mm256_madd_epi16(s, _mm256_set1_epi16(1))
        #endif
    }

    /// addByteProducts' partial sums as 32-bit lane sums times each lane's 32-bit `scale`
    /// (v3: `vpmaddwd` of the pair sums with (scale, scale), so scale must fit 16 bits;
    /// v4: `vpmulld`).
    @inline(__always)
    func scaledLaneSums(_ s: __m256i, _ scale: __m256i) -> __m256i {
        #if LLAMASWIFT_VNNI
            _mm256_mullo_epi32(s, scale)
        #else
            _mm256_madd_epi16(s, _mm256_or_si256(scale, _mm256_slli_epi32(scale, 16)))
        #endif
    }

    /// s + the sum of each lane's 4 unsigned × signed byte products, exact: one `vpdpbusd`
    /// (v4), or `vpmaddubsw` + `vpmaddwd` by ones + `vpaddd` (v3; a pair sum is at most
    /// 2·255·128, it never saturates for the kernels' |u| ≤ 128, |x| ≤ 127).
    @inline(__always)
    func addLaneDots(_ s: __m256i, _ u: __m256i, _ x: __m256i) -> __m256i {
        #if LLAMASWIFT_VNNI
            lsk_dpbusd(s, u, x)
        #else
            _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), _mm256_set1_epi16(1)))
        #endif
    }

    /// s + the lane sums of two such products, u1·x1 + u2·x2: two chained `vpdpbusd` (v4), or
    /// in v3 the two `vpmaddubsw` pair sums added in 16 bits before one `vpmaddwd` (the
    /// caller keeps their sum within 16 bits: |u| ≤ 31 for Q5 values).
    @inline(__always)
    func addLaneDots(_ s: __m256i, _ u1: __m256i, _ x1: __m256i, _ u2: __m256i, _ x2: __m256i) -> __m256i {
        #if LLAMASWIFT_VNNI
            lsk_dpbusd(lsk_dpbusd(s, u1, x1), u2, x2)
        #else
            let pairs = _mm256_add_epi16(_mm256_maddubs_epi16(u1, x1), _mm256_maddubs_epi16(u2, x2))
            return _mm256_add_epi32(s, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
        #endif
    }

    /// n + 16 in each byte j whose bit j of `bits` is set (Q5_0's fifth bits over nibbles):
    /// v4 a masked byte add (`vpaddb` under an AVX-512 mask); v3 the bits spread to bytes
    /// (`fifthBits`) and or-ed in (n < 16).
    @inline(__always)
    func addFifthBits(_ n: __m256i, _ bits: UInt32) -> __m256i {
        #if LLAMASWIFT_VNNI
            _mm256_mask_add_epi8(n, bits, n, _mm256_set1_epi8(0x10))
        #else
            _mm256_or_si256(n, fifthBits(bits))
        #endif
    }
#endif
