// int8x8ToFloats (see Q8_0Rows.swift) in the x86-64-v3 and v4 builds.
#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel

    @inline(__always)
    func int8x8ToFloats(_ p: UnsafeRawPointer) -> SIMD8<Float> {
        let q = _mm_loadl_epi64(p.assumingMemoryBound(to: __m128i.self))
        return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))
    }
#endif
