import LlamaSwiftFormats

/// Dot products of float weight rows (F32, F16, BF16) with float activations, with
/// eight-lane accumulators so the loop vectorizes (float addition is not reassociated
/// by the compiler on its own). `n` is a multiple of 1; the tail is handled.
public enum FloatDot {
    public static func f32(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        let n8 = n & ~7
        var i = 0
        while i < n8 {
            let wv = w.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let xv = UnsafeRawPointer(x).loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc.addProduct(wv, xv)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += w.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) * x[i]
            i += 1
        }
        return sum
    }

    public static func f16(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        let n8 = n & ~7
        var i = 0
        while i < n8 {
            var wv = SIMD8<Float>()
            for k in 0..<8 { wv[k] = halfToFloat(w.loadUnaligned(fromByteOffset: 2 * (i + k), as: UInt16.self)) }
            let xv = UnsafeRawPointer(x).loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc.addProduct(wv, xv)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += halfToFloat(w.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) * x[i]
            i += 1
        }
        return sum
    }

    public static func bf16(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        let n8 = n & ~7
        var i = 0
        while i < n8 {
            let raw = w.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
            let bits = SIMD8<UInt32>(truncatingIfNeeded: raw) &<< 16
            let wv = unsafeBitCast(bits, to: SIMD8<Float>.self)
            let xv = UnsafeRawPointer(x).loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc.addProduct(wv, xv)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += bfloat16ToFloat(w.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) * x[i]
            i += 1
        }
        return sum
    }
}

extension FloatDot {
    /// F32, F16 and BF16 matrices in the file's rows × float activations, one row and one
    /// token at a time.
    public static let layout = WeightLayout(
        name: "float rows", activations: .float, accepts: { type, _ in type == .f32 || type == .f16 || type == .bf16 },
        packing: nil, multiply: { multiply($0) }, dequantizeRow: { Dequantize.row($0, $1, $2, $3) })

    /// The type is switched on once per call, so each loop calls one row kernel.
    static func multiply(_ o: MatmulOperands) {
        switch o.type {
        case .f32: eachRow(o) { f32($0, $1, $2) }
        case .f16: eachRow(o) { f16($0, $1, $2) }
        default: eachRow(o) { bf16($0, $1, $2) }
        }
    }

    @inline(__always)
    static func eachRow(_ o: MatmulOperands, _ dot: (UnsafeRawPointer, UnsafePointer<Float>, Int) -> Float) {
        let cols = o.cols
        for t in 0..<o.tokens {
            for r in o.rows { o.out[t * o.outStride + r] = dot(o.weights + r * o.rowBytes, o.floats + t * cols, cols) }
        }
    }
}
