// Eight IEEE halves to floats and back, for the F16 KV cache: `loadHalf8` and
// `storeHalf8` (HalfVectorsPortable.swift, HalfVectorsAVX2.swift). The standard library's
// generic SIMD8<Float16> ↔ SIMD8<Float> conversions compile to one conversion per
// element; the x86-64-v3 and v4 builds use F16C's vcvtph2ps / vcvtps2ph (round to nearest
// even, as Float16(x) does), so every build gives the same bits.

/// Each float rounded to the nearest half and back (what an F16 store then load gives).
@inline(__always)
func roundedToHalf8(_ v: SIMD8<Float>) -> SIMD8<Float> {
    var h = SIMD8<UInt16>()
    storeHalf8(v, &h)
    return withUnsafeBytes(of: h) { loadHalf8($0.baseAddress!) }
}
