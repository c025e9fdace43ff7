#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine

/// Perplexity computed as llama.cpp's `llama-perplexity` does: the text's tokens cut into
/// chunks of n_ctx, each evaluated from an empty cache (its first token replaced by BOS
/// when the vocabulary adds one), and the negative log-likelihood of the second half of
/// each chunk's next tokens averaged: exp(mean NLL).
enum Perplexity {
    static func llamaCppStyle(model: Model, tokens: [Int32], nCtx: Int) throws -> Double {
        var o = SessionOptions()
        o.contextLength = nCtx
        o.logitsAll = true
        let s = try Session(model: model, options: o)
        let bos = model.tokenizer.addBOS ? model.tokenizer.bos : nil
        var nll = 0.0, count = 0
        for c in 0..<(tokens.count / nCtx) {
            var chunk = Array(tokens[(c * nCtx)..<((c + 1) * nCtx)])
            if let bos { chunk[0] = bos }
            try s.rewind(to: 0)
            try s.decode(chunk)
            for i in (nCtx / 2)..<(nCtx - 1) {
                let row = s.currentLogits! + i * s.vocabularySize
                var mx = -Float.infinity
                for v in 0..<s.vocabularySize { mx = max(mx, row[v]) }
                var sum = 0.0
                for v in 0..<s.vocabularySize { sum += Double(expf(row[v] - mx)) }
                nll -= Double(row[Int(tokens[c * nCtx + i + 1])] - mx) - log(sum)
                count += 1
            }
        }
        return exp(nll / Double(count))
    }
}
