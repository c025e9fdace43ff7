extension Sampler {
    /// Constrains sampling to `grammar` (nil removes it). The grammar must be bound to the
    /// vocabulary of the model whose logits are sampled (`GrammarConstraint(grammar:tokenizer:)`).
    /// Order: the logit bias first, then this mask (it sets −∞, so no bias brings back a
    /// token the grammar rules out), then the penalties and every filter. llama.cpp masks
    /// before its chain, whose first step is the bias (its sampler with `grammar_first`;
    /// its common sampler by default draws first without the grammar and, when that
    /// token does not fit, applies the grammar and draws again — the same token when
    /// greedy); for a finite or −∞ bias the two orders give the same logits.
    public func setGrammar(_ grammar: GrammarConstraint?) throws {
        grammar?.reset()
        self.grammar = grammar
    }

    /// Advances the grammar past a token chosen by the caller (not by `sample`).
    /// Throws `.invalidArgument` when the grammar does not allow it.
    public func acceptGrammar(_ token: Int32) throws { try grammar?.accept(token) }

    /// Step 0, after the logit bias: logits of tokens the grammar does not allow become
    /// −∞. Throws when the grammar allows no token, or only tokens whose logits are −∞
    /// (the model's, or a −∞ bias's: nothing to draw).
    func applyGrammar(_ g: GrammarConstraint) throws {
        let n = candidates.count
        guard n == g.vocabularySize else {
            throw LlamaError(
                .invalidArgument,
                "the grammar is bound to a vocabulary of \(g.vocabularySize) tokens; the logits have \(n)")
        }
        let mask = try g.allowedTokens()
        var live = false
        mask.withUnsafeBufferPointer { m in
            candidates.withUnsafeMutableBufferPointer { c in
                for w in 0..<m.count {
                    let bits = m[w]
                    let base = w << 6
                    if bits == ~0 {
                        if !live { for t in base..<min(base + 64, n) where c[t].logit > -.infinity { live = true } }
                        continue
                    }
                    for t in base..<min(base + 64, n) {
                        if bits & (1 << UInt64(t - base)) == 0 {
                            c[t].logit = -.infinity
                        } else if c[t].logit > -.infinity {
                            live = true
                        }
                    }
                }
            }
        }
        guard live else {
            if g.isCompleteOnly && !g.hasEndOfGeneration {
                throw LlamaError(
                    .invalidArgument, "the grammar is complete and the vocabulary has no end-of-generation token")
            }
            throw LlamaError(.invalidArgument, "the grammar allows no token here (or only tokens with logit −∞)")
        }
    }
}
