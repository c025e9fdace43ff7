#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Rotary position embedding: pair i of each head (i < d/2, d = rotary dimensions) is
/// rotated by θ = p · base^(−2i/d) / f_i. The pair is dimensions (2i, 2i+1) in the
/// LLaMA GGUF layout and (i, i + d/2) in Hugging Face's rotate-half layout (RoPEStyle).
/// f_i are LLaMA 3's per-pair frequency factors (`rope_freqs.weight`, 1 when absent):
/// llama.cpp divides θ by them (ggml_rope_ext's freq_factors), which equals Hugging
/// Face's `rope_type: "llama3"` inverse frequencies — the converter writes
/// f_i = 1 / ((1 − s)/factor + s), s the smoothing between the low- and high-frequency
/// wavelength bounds (1 for short wavelengths, `factor` for long ones).
///
/// Scaling: `linear` divides the position by the factor. `dynamic` (Hugging Face's
/// "dynamic" NTK) raises the base when the sequence is longer than the original context
/// C: base' = base · ((factor·L/C) − (factor − 1))^(d/(d−2)), where L is the length the
/// current decode call reaches (its last position + 1). Keys already in the cache keep
/// the rotation they were stored with — exactly what Hugging Face's cached generation
/// does — so one call over a whole sequence equals HF's one-pass forward.
struct RoPE {
    let dims: Int
    let base: Double
    let scaling: RopeScaling
    let style: RoPEStyle
    /// LLaMA 3 frequency factors, one per pair (nil: all 1).
    let freqFactors: [Float]?

    /// The base used for a call whose sequence reaches length `seqLen`.
    func effectiveBase(seqLen: Int) -> Double {
        if case .dynamic(let factor, let orig) = scaling, seqLen > orig {
            let d = Double(dims)
            return base * pow(factor * Double(seqLen) / Double(orig) - (factor - 1), d / (d - 2))
        }
        return base
    }

    /// Fills `table` with (cos θ, sin θ) for each pair i and each position in
    /// `positions`: table[(t·dims/2 + i)·2 + {0,1}].
    func fillTable(_ table: UnsafeMutablePointer<Float>, start: Int, count: Int, seqLen: Int) {
        let b = effectiveBase(seqLen: seqLen)
        let half = dims / 2
        let scale: Double
        if case .linear(let f) = scaling { scale = 1 / f } else { scale = 1 }
        for t in 0..<count {
            let p = Double(start + t) * scale
            for i in 0..<half {
                var invFreq = 1 / pow(b, Double(2 * i) / Double(dims))
                if let f = freqFactors { invFreq /= Double(f[i]) }
                let theta = p * invFreq
                table[(t * half + i) * 2] = Float(cos(theta))
                table[(t * half + i) * 2 + 1] = Float(sin(theta))
            }
        }
    }

    /// Rotates the first `dims` values of each of `heads` heads of width `headDim` in `x`,
    /// pairing dimensions as `style` says.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, table: UnsafePointer<Float>) {
        let half = dims / 2
        // The partner of dimension a: a + 1 (adjacent pairs) or a + d/2 (halves).
        let (stride, partner) = style == .adjacentPairs ? (2, 1) : (1, half)
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let c = table[2 * i], s = table[2 * i + 1]
                let a = i * stride
                let x0 = v[a], x1 = v[a + partner]
                v[a] = x0 * c - x1 * s
                v[a + partner] = x0 * s + x1 * c
            }
        }
    }
}
