#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Rotary position embedding in the GGUF/llama.cpp layout: dimension pairs (2i, 2i+1)
/// of each head are rotated by θ = p · base^(−2i/d) for i < d/2 (d = rotary dimensions).
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
                let invFreq = 1 / pow(b, Double(2 * i) / Double(dims))
                let theta = p * invFreq
                table[(t * half + i) * 2] = Float(cos(theta))
                table[(t * half + i) * 2 + 1] = Float(sin(theta))
            }
        }
    }

    /// Rotates the first `dims` values of each of `heads` heads of width `headDim` in `x`.
    static func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, dims: Int, table: UnsafePointer<Float>) {
        let half = dims / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let c = table[2 * i], s = table[2 * i + 1]
                let x0 = v[2 * i], x1 = v[2 * i + 1]
                v[2 * i] = x0 * c - x1 * s
                v[2 * i + 1] = x0 * s + x1 * c
            }
        }
    }
}
