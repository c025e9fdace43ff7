// loadHalf8 / storeHalf8 (see HalfVectors.swift) in the baseline build: one element at a
// time through halfToFloat / floatToHalf.
#if !LLAMASWIFT_AVX2
    @inline(__always)
    func loadHalf8(_ p: UnsafeRawPointer) -> SIMD8<Float> {
        let h = p.loadUnaligned(as: SIMD8<UInt16>.self)
        var v = SIMD8<Float>()
        for i in 0..<8 { v[i] = halfToFloat(h[i]) }
        return v
    }

    @inline(__always)
    func storeHalf8(_ v: SIMD8<Float>, _ p: UnsafeMutableRawPointer) {
        var h = SIMD8<UInt16>()
        for i in 0..<8 { h[i] = floatToHalf(v[i]) }
        p.storeBytes(of: h, as: SIMD8<UInt16>.self)
    }
#endif
