import LlamaSwiftFormats

#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU

    /// The x86-64-v3 block decoding, written with AVX2 intrinsics because LLVM does not
    /// form `vpmaddubsw` (a saturating multiply-add of unsigned by signed bytes) from plain
    /// SIMD arithmetic. Per block and token: one `vpmaddubsw` (32 byte products summed in
    /// pairs to 16 bits), one `vpmaddwd` against ones (pairs of those summed to 32 bits, so
    /// lane k holds elements 4k…4k+3), one `vcvtdq2ps` — exact integers throughout, so the
    /// floats equal the portable path's and Q32Reference' bit for bit.
    ///
    /// `vpmaddubsw` needs one unsigned operand. Unsigned weights (Q4_1, Q5_1 and the raw
    /// nibbles of Q4_0/Q5_0) take that role directly; Q4_0's weight n − 8 is handled as
    /// n·x − 8·x, with the activations' lane sums Σx computed once per token-block; Q8_0
    /// multiplies |w| by x with w's sign. No saturation: |unsigned| ≤ 128, |x| ≤ 127, so a
    /// pair sum is at most 32,512.
    typealias WeightBlock = __m256i
    /// The 32 int8 activations and, per 32-bit lane, the sum of its 4 (for offset weights).
    typealias ActivationBlock = (x: __m256i, sum4: __m256i)

    @inline(__always)
    func activationBlock(_ p: UnsafeRawPointer) -> ActivationBlock {
        let x = _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
        return (x, unsignedLaneSums(_mm256_set1_epi8(1), x))
    }

    /// The 32 nibbles of 16 bytes in element order: low nibbles (elements 0…15) in the low
    /// 128 bits, high nibbles (16…31) in the high 128 bits.
    @inline(__always)
    func nibbles(_ p: UnsafeRawPointer) -> __m256i {
        let q = _mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self))
        return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F))
    }

    /// 0x10 in byte j when bit j of qh is set (Q5's fifth bits): byte j/8 of qh is copied to
    /// bytes 8(j/8)…, each byte keeps its own bit, and a compare turns it into a mask.
    @inline(__always)
    func fifthBits(_ qh: UInt32) -> __m256i {
        let spread = unsafeBitCast(
            SIMD32<UInt8>(
                0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3), to: __m256i.self)
        let bit = unsafeBitCast(
            SIMD32<UInt8>(
                1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128), to: __m256i.self)
        let bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(Int32(bitPattern: qh)), spread)
        let set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit)
        return _mm256_and_si256(set, _mm256_set1_epi8(0x10))
    }

    /// Σ over each 32-bit lane of unsigned weight bytes × activation bytes (`addLaneDots`:
    /// the pair sums never saturate, see above).
    @inline(__always)
    func unsignedLaneSums(_ w: __m256i, _ x: __m256i) -> __m256i {
        addLaneDots(_mm256_setzero_si256(), w, x)
    }

    enum Q4_0Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q4_0.blockBytes }
        static var hasMin: Bool { false }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock { nibbles(blk + 2) }
        @inline(__always)
        static func lanes(_ w: WeightBlock, _ x: ActivationBlock) -> SIMD8<Float> {
            _mm256_cvtepi32_ps(_mm256_sub_epi32(unsignedLaneSums(w, x.x), _mm256_slli_epi32(x.sum4, 3)))
        }
    }

    enum Q4_1Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q4_1.blockBytes }
        static var hasMin: Bool { true }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock { nibbles(blk + 4) }
        @inline(__always)
        static func lanes(_ w: WeightBlock, _ x: ActivationBlock) -> SIMD8<Float> {
            _mm256_cvtepi32_ps(unsignedLaneSums(w, x.x))
        }
    }

    enum Q5_0Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q5_0.blockBytes }
        static var hasMin: Bool { false }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            _mm256_or_si256(nibbles(blk + 6), fifthBits(blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
        }
        @inline(__always)
        static func lanes(_ w: WeightBlock, _ x: ActivationBlock) -> SIMD8<Float> {
            _mm256_cvtepi32_ps(_mm256_sub_epi32(unsignedLaneSums(w, x.x), _mm256_slli_epi32(x.sum4, 4)))
        }
    }

    enum Q5_1Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q5_1.blockBytes }
        static var hasMin: Bool { true }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            _mm256_or_si256(nibbles(blk + 8), fifthBits(blk.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        }
        @inline(__always)
        static func lanes(_ w: WeightBlock, _ x: ActivationBlock) -> SIMD8<Float> {
            _mm256_cvtepi32_ps(unsignedLaneSums(w, x.x))
        }
    }

    enum Q8_0Blocks: Q32Blocks {
        static var bytes: Int { WeightType.q8_0.blockBytes }
        static var hasMin: Bool { false }
        @inline(__always)
        static func weights(_ blk: UnsafeRawPointer) -> WeightBlock {
            _mm256_loadu_si256((blk + 2).assumingMemoryBound(to: __m256i.self))
        }
        @inline(__always)
        static func lanes(_ w: WeightBlock, _ x: ActivationBlock) -> SIMD8<Float> {
            _mm256_cvtepi32_ps(unsignedLaneSums(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x.x, w)))
        }
    }

    /// Asks for the weights 512 bytes ahead of `p` in decode's row stream: with the hint,
    /// TinyLlama-shaped Q4_0 decoded at 20.8 tokens/s instead of 15.7 (1 thread; 1024 and
    /// 2048 bytes ahead were no better within this machine's noise).
    ///
    /// It asks for the 3 lines from there on (192 bytes): a block of 4 interleaved rows is
    /// 72–136 bytes (Q4_0 to Q8_0), and one hint per block left up to half of its lines to
    /// the hardware prefetcher (as in the row groups: `groupPrefetchBytes`).
    @inline(__always)
    func prefetchAhead(_ p: UnsafeRawPointer) {
        lsk_prefetch(p + 512)
        lsk_prefetch(p + 576)
        lsk_prefetch(p + 640)
    }

    /// How far ahead (bytes) the row-group decode kernels (`group8x1`) ask for the weights
    /// of their stream. Measured per level, 1 thread: the v4 build at 2048 (7B-shaped Q4_0
    /// on an AVX-512 EPYC, one hint per block: 6.8 tokens/s; 6.4–6.7 at 512 or 1024, 6.1–6.4
    /// without); the v3 build at 1024 (TinyLlama-shaped Q4_0 on an AVX2-only EPYC,
    /// 2026-12-02: one hint per block 18–21 tokens/s at 1024, 16.1 at 2048, 12.9 at 4096;
    /// with every line of a block asked for, 1024 and 2048 within noise of each other).
    #if LLAMASWIFT_VNNI
        let groupPrefetchBytes = 2048
    #else
        let groupPrefetchBytes = 1024
    #endif

    // MARK: - The steps where v4 and v3 differ

    // Where the x86-64-v4 build (AVX-512 with VNNI and BW) and the x86-64-v3 build (AVX2)
    // use different instructions, in one place: every AVX2 kernel file (these blocks, the
    // row groups, the K-quant rows) calls these and holds no `#if LLAMASWIFT_VNNI` of its
    // own. Both choices give the same exact integers.

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
