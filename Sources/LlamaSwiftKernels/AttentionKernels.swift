#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
import LlamaSwiftFormats

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

    /// dotF16 of q against four consecutive F16 key rows (`rowBytes` apart, the head at
    /// element `offset` of each), with the same operations per key as dotF16.
    @inline(__always)
    static func dotF16x4(
        _ q: UnsafePointer<Float>, _ rows: UnsafeRawPointer, _ rowBytes: Int, _ offset: Int, _ n: Int
    ) -> SIMD4<Float> {
        let k0 = rows + 2 * offset, k1 = k0 + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let a = UnsafeRawPointer(q + i).loadUnaligned(as: SIMD8<Float>.self)
            a0.addProduct(a, loadHalf8(k0 + 2 * i))
            a1.addProduct(a, loadHalf8(k1 + 2 * i))
            a2.addProduct(a, loadHalf8(k2 + 2 * i))
            a3.addProduct(a, loadHalf8(k3 + 2 * i))
            i += 8
        }
        var s = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while i < n {
            let qi = q[i]
            s[0] += qi * halfToFloat(k0.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            s[1] += qi * halfToFloat(k1.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            s[2] += qi * halfToFloat(k2.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            s[3] += qi * halfToFloat(k3.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
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
        axpyRange(HalfRowLoader.self, out, UnsafeRawPointer(v), w, from: 0, to: n)
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

extension AttentionKernels {
    /// Causal attention of one query head over cache positions 0...last: scores q·k·scale,
    /// softmax (`exponentials`, summed in double as ggml does), then the weighted sum of the
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
            roundQueryToHalf(qv, qr, hd)
        } else {
            qr.update(from: qv, count: hd)
        }
        var maxScore = -Float.infinity
        var first = 0
        if f16 {
            // Four keys at a time: four independent accumulation chains instead of one
            // (each key's sum is computed exactly as dotF16 computes it).
            while first + 4 <= last + 1 {
                let s4 = dotF16x4(qr, kRows + first * rowBytes, rowBytes, kvOffset, hd) * scale
                for j in 0..<4 {
                    sc[first + j] = s4[j]
                    maxScore = max(maxScore, s4[j])
                }
                first += 4
            }
        }
        for p in first..<(last + 1) {
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
        let inv = Float(1 / exponentials(sc, last + 1, minus: maxScore))
        o.update(repeating: 0, count: hd)
        if f16 {
            for p in 0...last { sc[p] = halfToFloat(floatToHalf(sc[p] * inv)) }
            weightedSum(HalfRowLoader.self, o, vRows + 2 * kvOffset, rowBytes, sc, last + 1, hd)
            return
        }
        for p in 0...last {
            let row = vRows + p * rowBytes
            axpyF32(o, row.assumingMemoryBound(to: Float.self) + kvOffset, sc[p] * inv, hd)
        }
    }

    /// dst = src rounded to F16 and back (n floats): a query about to meet F16 cache rows,
    /// as llama.cpp's F16 matmuls round it.
    @inline(__always)
    static func roundQueryToHalf(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: roundedToHalf8(v), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            dst[i] = halfToFloat(floatToHalf(src[i]))
            i += 1
        }
    }

    /// out[i] = Σ_p w[p]·v_p[i] over `count` rows (heads starting at `rows`, F16 or Q8_0
    /// as L reads them), element for element the same operations as calling axpyF16 once
    /// per row on a zeroed `out`, but with 32 outputs held in registers across all rows
    /// instead of loaded and stored once per row.
    @inline(__always)
    static func weightedSum<L: CacheRowLoader>(
        _: L.Type, _ out: UnsafeMutablePointer<Float>, _ rows: UnsafeRawPointer, _ rowBytes: Int,
        _ w: UnsafePointer<Float>, _ count: Int, _ n: Int
    ) {
        var i = 0
        while i + 32 <= n {
            var o0 = SIMD8<Float>(), o1 = SIMD8<Float>(), o2 = SIMD8<Float>(), o3 = SIMD8<Float>()
            for p in 0..<count {
                let (v0, v1, v2, v3) = L.load32(rows + p * rowBytes, i)
                let wv = SIMD8<Float>(repeating: w[p])
                o0.addProduct(wv, v0)
                o1.addProduct(wv, v1)
                o2.addProduct(wv, v2)
                o3.addProduct(wv, v3)
            }
            let dst = UnsafeMutableRawPointer(out + i)
            dst.storeBytes(of: o0, as: SIMD8<Float>.self)
            (dst + 32).storeBytes(of: o1, as: SIMD8<Float>.self)
            (dst + 64).storeBytes(of: o2, as: SIMD8<Float>.self)
            (dst + 96).storeBytes(of: o3, as: SIMD8<Float>.self)
            i += 32
        }
        if i < n {
            for p in 0..<count {
                axpyRange(L.self, out, rows + p * rowBytes, w[p], from: i, to: n)
            }
        }
    }

    /// axpyF16 (for rows L reads) over elements from..<to only (its 8-wide part, then its
    /// scalar tail).
    @inline(__always)
    static func axpyRange<L: CacheRowLoader>(
        _: L.Type, _ out: UnsafeMutablePointer<Float>, _ v: UnsafeRawPointer, _ w: Float, from: Int, to n: Int
    ) {
        var i = from
        let wv = SIMD8<Float>(repeating: w)
        while i + 8 <= n {
            var o = UnsafeMutableRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
            o.addProduct(wv, L.load8(v, i))
            UnsafeMutableRawPointer(out + i).storeBytes(of: o, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            out[i] += w * L.load1(v, i)
            i += 1
        }
    }
}
