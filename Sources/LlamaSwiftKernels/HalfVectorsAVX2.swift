// loadHalf8 / storeHalf8 (see HalfVectors.swift) in the x86-64-v3 and v4 builds: F16C.
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU

    @inline(__always)
    func loadHalf8(_ p: UnsafeRawPointer) -> SIMD8<Float> {
        _mm256_cvtph_ps(_mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self)))
    }

    @inline(__always)
    func storeHalf8(_ v: SIMD8<Float>, _ p: UnsafeMutableRawPointer) {
        _mm_storeu_si128(p.assumingMemoryBound(to: __m128i.self), lsk_floats_to_halves(v))
    }
#endif
