#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
import LlamaSwiftKernels

/// gelu of every F16 value, rounded to F16 (Ops.geglu's llama.cpp rounding), built once.
enum GELUTable {
    static let values: [Float] = (0...0xFFFF).map { bits in
        let x = halfToFloat(UInt16(bits))
        return x.isFinite ? halfToFloat(floatToHalf(Ops.gelu(x))) : 0
    }
}

/// The element-wise and normalisation steps of the decoder, on float rows.
enum Ops {
    /// out = (x · 1/sqrt(mean(x²) + eps)) · weight (RMSNorm). The squares are summed in
    /// double precision, in order, as ggml does (so the scale matches llama.cpp's bit for bit).
    static func rmsNorm(
        _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
        eps: Float
    ) {
        var ss: Double = 0
        for i in 0..<n { ss += Double(x[i] * x[i]) }
        let mean = Float(ss / Double(n))
        let scale = 1 / (mean + eps).squareRoot()
        for i in 0..<n { out[i] = (x[i] * scale) * weight[i] }
    }

    /// gate = silu(gate) · up, with silu(g) = g / (1 + e^−g).
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// gate = gelu(gate) · up, gelu(g) = ½·g·(1 + tanh(√(2/π)·(g + 0.044715·g³))) (the tanh
    /// approximation: Hugging Face's gelu_pytorch_tanh, llama.cpp's ggml_gelu).
    ///
    /// `f16Table`: llama.cpp's CPU rounding instead (ggml_vec_geglu_f32 with
    /// GGML_GELU_FP16): for −10 < g < 10 the input is rounded to F16 and gelu read from a
    /// table of F16 values (so the result is gelu of the rounded input, rounded to F16);
    /// g ≤ −10 gives 0 and g ≥ 10 gives g. Used with the F16 KV cache, whose attention
    /// already rounds as llama.cpp does: Gemma 3 270M then equals llama.cpp bit for bit at
    /// positions 0 and 1. The exact form (F32 cache) is within 1.3e-6 of Hugging Face.
    static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int, f16Table: Bool) {
        if f16Table {
            let table = GELUTable.values
            for i in 0..<n {
                let g = gate[i]
                let y: Float = g <= -10 ? 0 : g >= 10 ? g : table[Int(floatToHalf(g))]
                gate[i] = y * up[i]
            }
            return
        }
        for i in 0..<n {
            gate[i] = gelu(gate[i]) * up[i]
        }
    }

    @inline(__always)
    static func gelu(_ g: Float) -> Float {
        let c: Float = 0.7978845608028654  // √(2/π)
        return 0.5 * g * (1 + tanhf(c * g * (1 + 0.044715 * g * g)))
    }

    static func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        for i in 0..<n { x[i] *= s }
    }

    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }

    /// A token's embedding row, dequantized (the embedding is always in the file's rows).
    static func embedding(_ w: WeightMatrix, token: Int, into out: UnsafeMutablePointer<Float>) {
        w.layout.dequantizeRow!(w.type, w.row(token), out, w.cols)
    }
}
