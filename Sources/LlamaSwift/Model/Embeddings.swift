#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How a decode call's per-token hidden states become its embedding (llama.cpp's
/// `llama_pooling_type`, with its numbers; RANK, 4, is a classifier head, not supported).
public enum Pooling: Int32, Sendable, CaseIterable {
    /// One vector per token of the call: [n, E].
    case none = 0
    /// The mean of the call's token vectors: [E].
    case mean = 1
    /// The call's first token's vector ("CLS"): [E].
    case cls = 2
    /// The call's last token's vector: [E].
    case last = 3

    /// llama.cpp's names (`--pooling none|mean|cls|last`).
    public var name: String {
        switch self {
        case .none: "none"
        case .mean: "mean"
        case .cls: "cls"
        case .last: "last"
        }
    }
}

/// The embedding mode of a session (`llamaswift_session_params.embeddings`,
/// `pooling_type`, `embd_normalize`).
public struct EmbeddingOptions: Sendable, Equatable {
    public var pooling: Pooling
    /// llama.cpp's `--embd-normalize` (common_embd_normalize): −1 none; 0 scaled so the
    /// largest |value| is 32760 (int16 range); 1 taxicab (L1); 2 euclidean (L2); p > 2
    /// the p-norm. Applied to each output vector (each token's with `Pooling.none`).
    public var normalize: Int

    public init(pooling: Pooling, normalize: Int = -1) {
        self.pooling = pooling
        self.normalize = normalize
    }

    /// Largest accepted p (a p-norm beyond it is the max-norm within float precision).
    static let maxNorm = 1 << 16
}

extension Session {
    /// Writes the final hidden states of a chunk's run — RMSNorm(x) · output_norm, the
    /// input of the output projection, as llama.cpp's `t_embd` and Hugging Face's
    /// `last_hidden_state` — into the run's session's pending rows at the run's offset
    /// in its decode call. Every family's forward pass leaves the residual stream in `x`.
    func storeHiddenStates(_ chunk: Chunk, run r: Chunk.Run) {
        let E = config.embeddingLength
        let s = r.session
        let from = r.start - s.position  // the run's first token's index in its call
        let x = self.x.pointer, out = s.pendingEmbeddings.pointer, norm = weights.outputNorm
        let eps = config.rmsEpsilon
        perToken(r.count) { i in
            Ops.rmsNorm(x + (r.first + i) * E, norm, out + (from + i) * E, E, eps: eps)
        }
    }

    /// Pools and normalises the n rows of [n, E] hidden states in `pendingEmbeddings`, in
    /// place (a pooled vector goes to row 0); returns the rows that make the result.
    /// Cannot fail.
    func finishEmbeddings(rows n: Int, options o: EmbeddingOptions) -> Int {
        let E = config.embeddingLength
        let p = pendingEmbeddings.pointer
        var rows = 1
        switch o.pooling {
        case .none:
            rows = n
        case .cls:
            break  // row 0 is the first token's
        case .last:
            p.update(from: p + (n - 1) * E, count: E)
        case .mean:
            // Σ in double precision, column by column, so row 0 can be overwritten.
            for j in 0..<E {
                var s = 0.0
                for t in 0..<n { s += Double(p[t * E + j]) }
                p[j] = Float(s / Double(n))
            }
        }
        if o.normalize >= 0 {
            for r in 0..<rows { Self.normalize(p + r * E, E, o.normalize) }
        }
        return rows
    }

    /// llama.cpp's common_embd_normalize: v ÷ norm, where norm is 32760⁻¹·max|v| (0),
    /// Σ|v| (1), √Σv² (2) or (Σ|v|^p)^(1/p); a zero norm leaves zeros. Sums in double.
    static func normalize(_ v: UnsafeMutablePointer<Float>, _ n: Int, _ p: Int) {
        var norm = 0.0
        switch p {
        case 0:
            var m = 0.0
            for i in 0..<n { m = max(m, Double(abs(v[i]))) }
            norm = m / 32760
        case 1:
            for i in 0..<n { norm += Double(abs(v[i])) }
        case 2:
            for i in 0..<n { norm += Double(v[i]) * Double(v[i]) }
            norm = norm.squareRoot()
        default:
            // Scaled by the largest |v| first so |v|^p cannot overflow.
            var m = 0.0
            for i in 0..<n { m = max(m, Double(abs(v[i]))) }
            if m > 0 {
                for i in 0..<n { norm += pow(Double(abs(v[i])) / m, Double(p)) }
                norm = m * pow(norm, 1 / Double(p))
            }
        }
        let scale = norm > 0 ? 1 / norm : 0
        for i in 0..<n { v[i] = Float(Double(v[i]) * scale) }
    }

    /// The embeddings of the last decode call: `rows` vectors of n_embd floats (one per
    /// token of the call with `Pooling.none`, else one), nil when the session does not
    /// compute embeddings or has none (before a decode, after a rewind).
    public var currentEmbeddings: (pointer: UnsafePointer<Float>, rows: Int)? {
        guard embeddingRows > 0 else { return nil }
        return (UnsafePointer(embeddings.pointer), embeddingRows)
    }
}
