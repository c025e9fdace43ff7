/// Logit bias (llama.cpp's `llama_sampler_init_logit_bias`, OpenAI's `logit_bias`): a
/// value added to a token's logit before anything else in the chain — before the
/// penalties, greedy, top-k and the rest (llama.cpp's common sampler puts it first too).
/// −∞ bans a token: its logit becomes −∞, so it gets probability 0 at every temperature
/// and is never the argmax while any token is not banned. +∞ makes the token's logit
/// +∞, which takes all the mass (shared by all +∞ tokens). A large finite bias (+100)
/// makes the token all but certain; the other steps still apply to the biased logits.
extension Sampler {
    /// Replaces the bias set. Entries for the same token add up (llama.cpp applies them
    /// in turn). A token at or past the vocabulary of the logits being sampled is
    /// ignored, as llama.cpp's sampler ignores tokens it does not find.
    /// Errors: INVALID_ARGUMENT (a negative token, a NaN bias), and nothing changes.
    public func setLogitBias(_ entries: [(token: Int32, bias: Float)]) throws {
        for (i, e) in entries.enumerated() {
            guard e.token >= 0 else {
                throw LlamaError(.invalidArgument, "logit bias \(i): token \(e.token) is negative")
            }
            guard !e.bias.isNaN else {
                throw LlamaError(.invalidArgument, "logit bias \(i) (token \(e.token)): the bias is NaN")
            }
        }
        logitBias = entries
        bansTokens = entries.contains { $0.bias == -.infinity }
    }

    /// The bias set in use (as given to `setLogitBias`).
    public var currentLogitBias: [(token: Int32, bias: Float)] { logitBias }

    /// Step 0 of `prepare`: adds the biases to `candidates` (still in id order, one per
    /// token). In double precision: a finite Float logit plus a finite Float bias is
    /// finite; logit + (−∞) is −∞ and −∞ + (+∞) stays −∞ (a token the model rules out
    /// stays out). Throws INVALID_ARGUMENT when bans leave no token with a finite or +∞
    /// logit: there is nothing left to draw (llama.cpp would return an arbitrary token).
    func applyLogitBias() throws {
        guard !logitBias.isEmpty else { return }
        let n = candidates.count
        for e in logitBias where Int(e.token) < n {
            let i = Int(e.token), l = candidates[i].logit, b = Double(e.bias)
            candidates[i].logit = l == -.infinity || b == -.infinity ? -.infinity : l + b
        }
        if bansTokens && !candidates.contains(where: { $0.logit > -.infinity }) {
            throw LlamaError(.invalidArgument, "the logit bias bans every token: nothing can be sampled")
        }
    }
}
