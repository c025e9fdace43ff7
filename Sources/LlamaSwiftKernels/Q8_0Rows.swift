#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
import LlamaSwiftFormats

/// Q8_0 rows of the KV cache (KVRowFormat.q8_0): blocks of 32 elements, each
///
///     offset  size  field
///     0       2     d, the scale (F16)
///     2       32    q, the quants (int8)
///
/// element j = d·q[j] (the F16 d converted to float, times q[j] as float: one rounding).
/// Quantizing is llama.cpp's reference `quantize_row_q8_0_ref`: amax = max |x|,
/// d = amax / 127, id = 1/d (0 when d is 0), q[j] = roundf(x[j]·id) (round half away
/// from zero), d stored as F16 (round to nearest even). A non-finite element cannot trap:
/// its quant becomes 0 (NaN) or ±127, and d is then infinite or NaN, so the row reads
/// back as NaN and the forward pass reports the model's weights (FORMAT).
public enum Q8_0Rows {
    public static let blockElements = 32
    public static let blockBytes = 34

    /// Quantizes n floats (a multiple of 32) from `src` into n/32 blocks at `dst`.
    public static func quantize(_ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, _ n: Int) {
        for b in 0..<(n / 32) {
            let x = src + 32 * b, out = dst + 34 * b
            var amax: Float = 0
            for j in 0..<32 {
                let a = abs(x[j])
                // Written so that a NaN makes amax NaN (max() would skip it).
                amax = a > amax || a.isNaN ? a : amax
            }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            out.storeBytes(of: floatToHalf(d), as: UInt16.self)
            let q = (out + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 {
                let r = roundf(x[j] * id)
                q[j] = r.isNaN ? 0 : Int8(Swift.min(127, Swift.max(-127, r)))
            }
        }
    }

    /// Dequantizes n/32 blocks (n a multiple of 32) from `src` into n floats at `dst`.
    public static func dequantize(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i < n {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: loadQ8_0x8(src, i), as: SIMD8<Float>.self)
            i += 8
        }
    }
}

/// Eight elements of a Q8_0 row from element i (a multiple of 8) as floats: d·q for
/// each, with `row` the start of the row (or of a head within it, at a block boundary).
/// The AVX2 builds sign-extend and convert with vpmovsxbd / vcvtdq2ps (Q8_0RowsAVX2.swift);
/// both are exact, so every build gives the same bits.
@inline(__always)
func loadQ8_0x8(_ row: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
    let block = row + (i >> 5) * 34
    let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
    return int8x8ToFloats(block + 2 + (i & 31)) * SIMD8<Float>(repeating: d)
}

#if !LLAMASWIFT_AVX2
    /// Eight int8 at p as floats.
    @inline(__always)
    func int8x8ToFloats(_ p: UnsafeRawPointer) -> SIMD8<Float> {
        let q = p.loadUnaligned(as: SIMD8<Int8>.self)
        var v = SIMD8<Float>()
        for j in 0..<8 { v[j] = Float(q[j]) }
        return v
    }
#endif

/// A cache row encoding, for the attention loops shared by F16 and Q8_0 rows: they read
/// eight elements (or one, in scalar tails) of a head starting at `head` as floats.
/// `load32` gives elements i ..< i + 32 (i a multiple of 32) as four vectors, the same
/// values as four load8 calls (Q8_0: one block, its scale converted once).
protocol CacheRowLoader {
    static func load8(_ head: UnsafeRawPointer, _ i: Int) -> SIMD8<Float>
    static func load1(_ head: UnsafeRawPointer, _ i: Int) -> Float
    static func load32(_ head: UnsafeRawPointer, _ i: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)
}

enum HalfRowLoader: CacheRowLoader {
    @inline(__always)
    static func load8(_ head: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> { loadHalf8(head + 2 * i) }
    @inline(__always)
    static func load32(_ head: UnsafeRawPointer, _ i: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let v = head + 2 * i
        return (loadHalf8(v), loadHalf8(v + 16), loadHalf8(v + 32), loadHalf8(v + 48))
    }
    @inline(__always)
    static func load1(_ head: UnsafeRawPointer, _ i: Int) -> Float {
        halfToFloat(head.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
    }
}

enum Q8_0RowLoader: CacheRowLoader {
    @inline(__always)
    static func load8(_ head: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> { loadQ8_0x8(head, i) }
    @inline(__always)
    static func load32(_ head: UnsafeRawPointer, _ i: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let block = head + (i >> 5) * 34
        let d = SIMD8<Float>(repeating: halfToFloat(block.loadUnaligned(as: UInt16.self)))
        return (
            int8x8ToFloats(block + 2) * d, int8x8ToFloats(block + 10) * d, int8x8ToFloats(block + 18) * d,
            int8x8ToFloats(block + 26) * d
        )
    }
    @inline(__always)
    static func load1(_ head: UnsafeRawPointer, _ i: Int) -> Float {
        let block = head + (i >> 5) * 34
        let q = block.loadUnaligned(fromByteOffset: 2 + (i & 31), as: Int8.self)
        return halfToFloat(block.loadUnaligned(as: UInt16.self)) * Float(q)
    }
}

extension AttentionKernels {
    /// n elements of a head of a cache row (starting at `head`) as floats into dst.
    @inline(__always)
    static func rowToFloats(
        _ format: KVRowFormat, _ head: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        switch format {
        case .f16: rowToFloats(HalfRowLoader.self, head, dst, n)
        case .q8_0: rowToFloats(Q8_0RowLoader.self, head, dst, n)
        }
    }

    @inline(__always)
    static func rowToFloats<L: CacheRowLoader>(
        _: L.Type, _ head: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 32 <= n {
            let (v0, v1, v2, v3) = L.load32(head, i)
            let d = UnsafeMutableRawPointer(dst + i)
            d.storeBytes(of: v0, as: SIMD8<Float>.self)
            (d + 32).storeBytes(of: v1, as: SIMD8<Float>.self)
            (d + 64).storeBytes(of: v2, as: SIMD8<Float>.self)
            (d + 96).storeBytes(of: v3, as: SIMD8<Float>.self)
            i += 32
        }
        while i + 8 <= n {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: L.load8(head, i), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            dst[i] = L.load1(head, i)
            i += 1
        }
    }
}
