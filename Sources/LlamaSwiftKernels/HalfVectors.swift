#if LLAMASWIFT_AVX2
    import _Builtin_intrinsics.intel
    import CLlamaSwiftCPU
#endif

/// Eight IEEE halves to floats and back, for the F16 KV cache. The standard library's
/// generic SIMD8<Float16> ↔ SIMD8<Float> conversions compile to one conversion per
/// element; the x86-64-v3 build uses F16C's vcvtph2ps / vcvtps2ph (round to nearest
/// even, as Float16(x) does), so both builds give the same bits.
@inline(__always)
func loadHalf8(_ p: UnsafeRawPointer) -> SIMD8<Float> {
    #if LLAMASWIFT_AVX2
        return _mm256_cvtph_ps(_mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self)))
    #else
        let h = p.loadUnaligned(as: SIMD8<UInt16>.self)
        var v = SIMD8<Float>()
        for i in 0..<8 { v[i] = halfToFloat(h[i]) }
        return v
    #endif
}

@inline(__always)
func storeHalf8(_ v: SIMD8<Float>, _ p: UnsafeMutableRawPointer) {
    #if LLAMASWIFT_AVX2
        _mm_storeu_si128(p.assumingMemoryBound(to: __m128i.self), lsk_floats_to_halves(v))
    #else
        var h = SIMD8<UInt16>()
        for i in 0..<8 { h[i] = floatToHalf(v[i]) }
        p.storeBytes(of: h, as: SIMD8<UInt16>.self)
    #endif
}

/// Each float rounded to the nearest half and back (what an F16 store then load gives).
@inline(__always)
func roundedToHalf8(_ v: SIMD8<Float>) -> SIMD8<Float> {
    var h = SIMD8<UInt16>()
    storeHalf8(v, &h)
    return withUnsafeBytes(of: h) { loadHalf8($0.baseAddress!) }
}
