import LlamaSwiftFormats
import LlamaSwiftKernels

/// Floats → the GGUF weight types `llamaswift convert` writes, one row at a time. The
/// roundings are ggml's reference ones (ggml-quants.c `quantize_row_q8_0_ref`,
/// `quantize_row_q4_0_ref`; ggml-impl.h `ggml_compute_fp32_to_bf16`), so a file written
/// here holds what llama.cpp's own quantizer would write from the same floats:
///
/// - F16: IEEE round to nearest even (Swift's `Float16(x)`).
/// - BF16: the top 16 bits of the float, rounded to nearest even; NaN kept quiet.
/// - Q8_0, blocks of 32: d = max|x| / 127, q = round(x / d) (half away from zero), stored
///   half(d) then 32 int8.
/// - Q4_0, blocks of 32: m = the element of largest magnitude (signed), d = m / −8,
///   q = min(15, trunc(x / d + 8.5)), stored half(d) then 16 bytes: element j in the low
///   nibble of byte j, element j + 16 in the high nibble.
enum WeightEncoding {
    static func canEncode(_ t: WeightType) -> Bool { [.f32, .f16, .bf16, .q8_0, .q4_0].contains(t) }

    /// The types Dequantize.row reads.
    static func canDecode(_ t: WeightType) -> Bool {
        [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K].contains(t)
    }

    /// Bytes of one row of `cols` elements; nil when `cols` is not a whole number of blocks.
    static func rowBytes(_ t: WeightType, _ cols: Int) -> Int? { t.rowBytes(cols) }

    static func encode(_ x: UnsafePointer<Float>, _ n: Int, as t: WeightType, into out: UnsafeMutableRawPointer) {
        switch t {
        case .f32:
            out.copyMemory(from: x, byteCount: n * 4)
        case .f16:
            for i in 0..<n { out.storeBytes(of: Float16(x[i]).bitPattern, toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<n { out.storeBytes(of: bf16(x[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .q8_0:
            for b in 0..<(n / 32) {
                let xb = x + 32 * b, o = out + 34 * b
                var amax: Float = 0
                for j in 0..<32 { amax = max(amax, abs(xb[j])) }
                let d = amax / 127
                let id: Float = d != 0 ? 1 / d : 0
                o.storeBytes(of: Float16(d).bitPattern, as: UInt16.self)
                for j in 0..<32 {
                    o.storeBytes(of: Int8(clamp((xb[j] * id).rounded(), -127, 127)), toByteOffset: 2 + j, as: Int8.self)
                }
            }
        case .q4_0:
            for b in 0..<(n / 32) {
                let xb = x + 32 * b, o = out + 18 * b
                var amax: Float = 0, m: Float = 0
                for j in 0..<32 where abs(xb[j]) > amax {
                    amax = abs(xb[j])
                    m = xb[j]
                }
                let d = m / -8
                let id: Float = d != 0 ? 1 / d : 0
                o.storeBytes(of: Float16(d).bitPattern, as: UInt16.self)
                for j in 0..<16 {
                    let a = UInt8(clamp(xb[j] * id + 8.5, 0, 15))
                    let c = UInt8(clamp(xb[j + 16] * id + 8.5, 0, 15))
                    o.storeBytes(of: a | c << 4, toByteOffset: 2 + j, as: UInt8.self)
                }
            }
        default:
            preconditionFailure("WeightEncoding cannot write \(t)")
        }
    }

    /// x clamped to [lo, hi] and truncated (NaN → lo): never traps on hostile weights.
    static func clamp(_ x: Float, _ lo: Float, _ hi: Float) -> Int {
        guard x >= lo else { return Int(lo) }
        return Int(min(x, hi))
    }

    static func bf16(_ f: Float) -> UInt16 {
        let u = f.bitPattern
        if u & 0x7fff_ffff > 0x7f80_0000 { return UInt16(u >> 16) | 64 }  // NaN: quiet
        return UInt16((u &+ (0x7fff &+ ((u >> 16) & 1))) >> 16)
    }

    /// The floats of a row of any type the engine reads.
    static func decode(_ t: WeightType, _ src: UnsafeRawPointer, _ n: Int, into out: UnsafeMutablePointer<Float>) {
        Dequantize.row(t, src, out, n)
    }
}
