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

    @inline(__always)
    public static func dotF16(_ q: UnsafePointer<Float>, _ k: UnsafePointer<UInt16>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let a = UnsafeRawPointer(q + i).loadUnaligned(as: SIMD8<Float>.self)
            acc.addProduct(a, loadHalf8(k + i))
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

    @inline(__always)
    public static func axpyF16(_ out: UnsafeMutablePointer<Float>, _ v: UnsafePointer<UInt16>, _ w: Float, _ n: Int) {
        var i = 0
        let wv = SIMD8<Float>(repeating: w)
        while i + 8 <= n {
            var o = UnsafeMutableRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
            o.addProduct(wv, loadHalf8(v + i))
            UnsafeMutableRawPointer(out + i).storeBytes(of: o, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            out[i] += w * halfToFloat(v[i])
            i += 1
        }
    }

    public static func storeF16(_ dst: UnsafeMutablePointer<UInt16>, _ src: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            storeHalf8(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self), dst + i)
            i += 8
        }
        while i < n {
            dst[i] = floatToHalf(src[i])
            i += 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension AttentionKernels {
    /// Causal attention of one query head over cache positions 0...last: scores q·k·scale,
    /// softmax (exponentials summed in double, as ggml does), then the weighted sum of the
    /// value rows into `out` (hd floats). With an F16 cache the query and the attention
    /// weights are rounded to F16 before they meet the cached rows, as llama.cpp's F16
    /// matmuls do. `qbuf` (hd floats) and `scores` (last+1 floats) are scratch.
    public static func head(
        q qv: UnsafePointer<Float>, headDim hd: Int, last: Int,
        keys kRows: UnsafeRawPointer, values vRows: UnsafeRawPointer, rowBytes: Int, offset kvOffset: Int,
        f16: Bool, scale: Float, qbuf qr: UnsafeMutablePointer<Float>, scores sc: UnsafeMutablePointer<Float>,
        out o: UnsafeMutablePointer<Float>
    ) {
        if f16 {
            var i = 0
            while i + 8 <= hd {
                var h = SIMD8<UInt16>()
                storeHalf8(UnsafeRawPointer(qv + i).loadUnaligned(as: SIMD8<Float>.self), &h)
                withUnsafeBytes(of: h) { UnsafeMutableRawPointer(qr + i).storeBytes(of: loadHalf8($0.baseAddress!), as: SIMD8<Float>.self) }
                i += 8
            }
            while i < hd {
                qr[i] = halfToFloat(floatToHalf(qv[i]))
                i += 1
            }
        } else {
            qr.update(from: qv, count: hd)
        }
        var maxScore = -Float.infinity
        for p in 0...last {
            let row = kRows + p * rowBytes
            let s: Float
            if f16 {
                s = dotF16(qr, row.assumingMemoryBound(to: UInt16.self) + kvOffset, hd) * scale
            } else {
                s = dotF32(qr, row.assumingMemoryBound(to: Float.self) + kvOffset, hd) * scale
            }
            sc[p] = s
            maxScore = max(maxScore, s)
        }
        var sum: Double = 0
        for p in 0...last {
            let e = expf(sc[p] - maxScore)
            sc[p] = e
            sum += Double(e)
        }
        let inv = Float(1 / sum)
        o.update(repeating: 0, count: hd)
        for p in 0...last {
            let row = vRows + p * rowBytes
            if f16 {
                let weight = halfToFloat(floatToHalf(sc[p] * inv))
                axpyF16(o, row.assumingMemoryBound(to: UInt16.self) + kvOffset, weight, hd)
            } else {
                axpyF32(o, row.assumingMemoryBound(to: Float.self) + kvOffset, sc[p] * inv, hd)
            }
        }
    }
}
