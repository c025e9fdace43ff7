#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension AttentionKernels {
    /// w[p] = exp(w[p] − largest) for p < count, returning Σ w[p] in double — the
    /// unnormalised softmax of an attention row, in the scheme of ggml's
    /// ggml_vec_soft_max_f32 as built for AVX2 (the build our llama.cpp references come
    /// from): whole 8-lane blocks through `exp8`, each block's 8 exponentials summed in
    /// float as ((e0+e4)+(e2+e6)) + ((e1+e5)+(e3+e7)) and added to the double total; the
    /// last count % 8 through the C library's expf, added one by one. A row shorter than
    /// 8 (the first positions of a sequence) is therefore libm's expf alone, as in ggml.
    @inline(__always)
    static func exponentials(_ w: UnsafeMutablePointer<Float>, _ count: Int, minus largest: Float) -> Double {
        var sum: Double = 0
        var p = 0
        let m8 = SIMD8<Float>(repeating: largest)
        while p + 8 <= count {
            let e = exp8(UnsafeRawPointer(w + p).loadUnaligned(as: SIMD8<Float>.self) - m8)
            UnsafeMutableRawPointer(w + p).storeBytes(of: e, as: SIMD8<Float>.self)
            let quad = e.lowHalf + e.highHalf
            let pair = quad.lowHalf + quad.highHalf
            sum += Double(pair[0] + pair[1])
            p += 8
        }
        while p < count {
            let e = expf(w[p] - largest)
            w[p] = e
            sum += Double(e)
            p += 1
        }
        return sum
    }

    /// e^x for 8 lanes with x ≤ 0 (a softmax's range), by the method of ggml's vectorised
    /// ggml_v_expf, so that our softmax weights are llama.cpp's bits: n = x·log₂e rounded
    /// to an integer by adding and subtracting 1.5·2²³ (fused), b = x − n·ln 2 with ln 2
    /// split in two parts (0x1.62e4p-1 + 0x1.7f7d1cp-20, both fused), the degree-5
    /// polynomial e^b − 1 ≈ c₁b + u(c₂ + c₃b) + u²(c₄ + c₅b) with u = b², evaluated as
    /// ((c₅b + c₄)·u + (c₃b + c₂))·u + c₁b, and 2ⁿ·(1 + poly) as one fused k·poly + k with
    /// k = 2ⁿ made from the rounding constant's low bits shifted into the exponent. Within
    /// 2 ulp of libm's expf (AttentionKernelTests measures it). For n < −126 (x below
    /// about −87.7) the result is 0 where ggml would give a subnormal: such a weight is
    /// below 1.2·10⁻³⁸, which neither changes a double sum that holds the row's largest
    /// exponential (1) nor survives the rounding of the weight to F16, so no output bit
    /// depends on it. NaN gives NaN.
    @inline(__always)
    static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let shifter = SIMD8<Float>(repeating: 0x1.8p23)
        let z = shifter.addingProduct(x, SIMD8(repeating: 0x1.715476p+0))
        let n = z - shifter
        var b = x.addingProduct(-n, SIMD8(repeating: 0x1.62e4p-1))
        b = b.addingProduct(-n, SIMD8(repeating: 0x1.7f7d1cp-20))
        let zBits = unsafeBitCast(z, to: SIMD8<UInt32>.self)
        let k = unsafeBitCast((zBits &<< 23) &+ (1 as Float).bitPattern, to: SIMD8<Float>.self)
        let u = b * b
        let high = SIMD8<Float>(repeating: 0x1.573e2ep-5).addingProduct(SIMD8(repeating: 0x1.0e4020p-7), b)
        let low = SIMD8<Float>(repeating: 0x1.fffdb6p-2).addingProduct(SIMD8(repeating: 0x1.555e66p-3), b)
        let poly = (b * 0x1.ffffecp-1).addingProduct(low.addingProduct(high, u), u)
        var e = k.addingProduct(poly, k)
        e.replace(with: 0, where: n .< -126)
        e.replace(with: Float.nan, where: x .!= x)
        return e
    }
}
