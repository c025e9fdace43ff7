#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A token and its log-probability (natural log).
public struct TokenLogProb: Sendable, Equatable {
    public var token: Int32
    public var logProb: Float
    public init(token: Int32, logProb: Float) {
        self.token = token
        self.logProb = logProb
    }
}

/// Log-probabilities of the last sampled token, as llama.cpp's server reports them for
/// `n_probs` (get_token_probabilities: a softmax of the model's logits) and
/// llama-cpp-python for `logprobs`: from the model's raw logits — before the logit bias,
/// the penalties, temperature and the top-k/top-p/min-p filters —
///
///     logprob(i) = l_i − max(l) − log Σ_j exp(l_j − max(l))     (log-softmax, in double)
///
/// so they describe what the model predicted, whatever the sampler then did (a token
/// forced by a +100 bias keeps the low log-probability the model gave it). `sample`
/// keeps a copy of the logits it sampled from (n_vocab floats, copied once per token);
/// the log-softmax is computed only when asked.
extension Sampler {
    /// Called by `sample` with the logits it read and the token it returns.
    func record(_ logits: UnsafeBufferPointer<Float>, _ token: Int32) {
        if recordedLogits.count != logits.count {
            recordedLogits = [Float](repeating: 0, count: logits.count)
        }
        recordedLogits.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: logits) }
        recordedToken = token
    }

    /// The last `sample`'s token, its log-probability and the `top` most probable tokens
    /// (by descending log-probability, ties by lower id; fewer when the vocabulary is
    /// smaller), or nil before the first `sample`. One pass over the vocabulary; a
    /// candidate enters the top list by insertion (O(top) each, rare after the first few).
    public func lastLogProbs(top: Int) -> (token: Int32, logProb: Float, top: [TokenLogProb])? {
        guard recordedToken >= 0, !recordedLogits.isEmpty else { return nil }
        return recordedLogits.withUnsafeBufferPointer { l in
            let n = l.count
            var m = -Double.infinity
            for x in l { m = max(m, Double(x)) }
            // A +∞ logit: those tokens share the mass (log(1/count)), the others get −∞;
            // all −∞: uniform.
            var lse = 0.0
            if m == .infinity || m == -.infinity {
                let count = l.reduce(0) { $0 + (Double($1) == m ? 1 : 0) }
                lse = log(Double(count))
            } else {
                for x in l { lse += exp(Double(x) - m) }
                lse = log(lse)
            }
            func logProb(_ i: Int) -> Float {
                let x = Double(l[i])
                if m == .infinity || m == -.infinity { return x == m ? Float(-lse) : -.infinity }
                return Float(x - m - lse)
            }
            // Top: a sorted list of at most k (id, logit), insertion from the end.
            let k = min(max(top, 0), n)
            var best: [(id: Int, logit: Float)] = []
            best.reserveCapacity(k + 1)
            if k > 0 {
                for i in 0..<n {
                    let x = l[i]
                    if best.count == k, let last = best.last, !(x > last.logit) { continue }
                    // Ids arrive ascending, so an equal logit goes after its ties.
                    var j = best.count
                    while j > 0 && best[j - 1].logit < x { j -= 1 }
                    best.insert((i, x), at: j)
                    if best.count > k { best.removeLast() }
                }
            }
            return (
                recordedToken, logProb(Int(recordedToken)),
                best.map { TokenLogProb(token: Int32($0.id), logProb: logProb($0.id)) }
            )
        }
    }
}
