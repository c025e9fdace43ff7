import LlamaSwiftFormats

/// Quantization of activation rows to 8 bits, done once per matmul so that the dot
/// products with quantized weights run on integers. Two layouts, as llama.cpp uses them:
///
/// - Q8 blocks of 32 (llama.cpp's Q8_0/Q8_1, paired with Q4_0, Q4_1, Q5_0, Q5_1, Q8_0):
///   d = amax/127 rounded to half precision; q = round-half-even(x · 127/amax); and
///   s = d·Σq rounded to half precision (needed by the types with a min, Q4_1/Q5_1);
///   and the integer Σq itself (for Q4_0 in row groups: Q4_0Groups).
/// - Q8_K blocks of 256 (paired with Q4_K, Q5_K, Q6_K): with m the element of largest
///   magnitude (signed), iscale = −127/m, q = min(127, round-half-even(iscale·x)),
///   d = 1/iscale (float), and the integer sum of each 16 elements.
///
/// Matching llama.cpp's rounding keeps our logits within float noise of its own.
public enum ActivationQuantize {
    @inline(__always)
    static func roundHalfHalf(_ x: Float) -> Float { halfToFloat(floatToHalf(x)) }

    public static func q8(
        _ x: UnsafePointer<Float>, _ n: Int,
        _ qs: UnsafeMutablePointer<Int8>, _ d: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Float>,
        _ sums: UnsafeMutablePointer<Int32>
    ) {
        for b in 0..<(n / 32) {
            let xb = x + 32 * b
            var amax: Float = 0
            for i in 0..<32 { amax = max(amax, abs(xb[i])) }
            let dv = amax / 127
            let id: Float = amax != 0 ? 127 / amax : 0
            var sum: Int32 = 0
            for i in 0..<32 {
                let v = (xb[i] * id).rounded(.toNearestOrEven)
                let q = Int8(v)
                qs[32 * b + i] = q
                sum += Int32(q)
            }
            let dh = roundHalfHalf(dv)
            d[b] = dh
            s[b] = roundHalfHalf(dv * Float(sum))
            sums[b] = sum
        }
    }

    public static func q8K(
        _ x: UnsafePointer<Float>, _ n: Int,
        _ qs: UnsafeMutablePointer<Int8>, _ d: UnsafeMutablePointer<Float>, _ bsums: UnsafeMutablePointer<Int32>
    ) {
        for b in 0..<(n / 256) {
            let xb = x + 256 * b
            var amax: Float = 0
            var mx: Float = 0
            for i in 0..<256 {
                let a = abs(xb[i])
                if a > amax {
                    amax = a
                    mx = xb[i]
                }
            }
            if amax == 0 {
                d[b] = 0
                for i in 0..<256 { qs[256 * b + i] = 0 }
                for g in 0..<16 { bsums[16 * b + g] = 0 }
                continue
            }
            let iscale = -127 / mx
            for i in 0..<256 {
                let v = min(127, (iscale * xb[i]).rounded(.toNearestOrEven))
                qs[256 * b + i] = Int8(v)
            }
            for g in 0..<16 {
                var sum: Int32 = 0
                for i in 0..<16 { sum += Int32(qs[256 * b + 16 * g + i]) }
                bsums[16 * b + g] = sum
            }
            d[b] = 1 / iscale
        }
    }
}
