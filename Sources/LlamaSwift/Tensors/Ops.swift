import LlamaSwiftKernels

/// The element-wise and normalisation steps of the decoder, on float rows.
enum Ops {
    /// out = (x · 1/sqrt(mean(x²) + eps)) · weight (RMSNorm). The squares are summed in
    /// double precision, in order, as ggml does (so the scale matches llama.cpp's bit for bit).
    static func rmsNorm(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, eps: Float) {
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
    static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        let c: Float = 0.7978845608028654  // √(2/π)
        for i in 0..<n {
            let g = gate[i]
            gate[i] = 0.5 * g * (1 + tanhf(c * (g + 0.044715 * g * g * g))) * up[i]
        }
    }

    static func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        for i in 0..<n { x[i] *= s }
    }

    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }

    /// A token's embedding row, dequantized.
    static func embedding(_ w: WeightMatrix, token: Int, into out: UnsafeMutablePointer<Float>) {
        _ = Dequantize.row(typeID: w.type.rawValue, w.row(token), out, w.cols)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
