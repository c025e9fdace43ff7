/// The inner loops of attention over the KV cache: a query·key dot product and a
/// weighted accumulation of a value row, for F16 and F32 cache rows.
public enum AttentionKernels {
    public static func dotF32(_ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let a = UnsafeRawPointer(q + i).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(k + i).loadUnaligned(as: SIMD8<Float>.self)
            acc.addProduct(a, b)
            i += 8
        }
        var s = acc.sum()
        while i < n {
            s += q[i] * k[i]
            i += 1
        }
        return s
    }

    public static func dotF16(_ q: UnsafePointer<Float>, _ k: UnsafePointer<UInt16>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let a = UnsafeRawPointer(q + i).loadUnaligned(as: SIMD8<Float>.self)
            let h = UnsafeRawPointer(k + i).loadUnaligned(as: SIMD8<Float16>.self)
            acc.addProduct(a, SIMD8<Float>(h))
            i += 8
        }
        var s = acc.sum()
        while i < n {
            s += q[i] * halfToFloat(k[i])
            i += 1
        }
        return s
    }

    /// out += w · v
    public static func axpyF32(_ out: UnsafeMutablePointer<Float>, _ v: UnsafePointer<Float>, _ w: Float, _ n: Int) {
        for i in 0..<n { out[i] += w * v[i] }
    }

    public static func axpyF16(_ out: UnsafeMutablePointer<Float>, _ v: UnsafePointer<UInt16>, _ w: Float, _ n: Int) {
        var i = 0
        let wv = SIMD8<Float>(repeating: w)
        while i + 8 <= n {
            let h = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float16>.self)
            var o = UnsafeMutableRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
            o.addProduct(wv, SIMD8<Float>(h))
            UnsafeMutableRawPointer(out + i).storeBytes(of: o, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            out[i] += w * halfToFloat(v[i])
            i += 1
        }
    }

    public static func storeF16(_ dst: UnsafeMutablePointer<UInt16>, _ src: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { dst[i] = floatToHalf(src[i]) }
    }
}
