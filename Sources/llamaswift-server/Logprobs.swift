import Foundation
import LlamaSwiftEngine

/// The `logprobs` members of OpenAI's responses, from the generated tokens' log-probabilities
/// (Sampler.lastLogProbs: the model's raw distribution, before bias, penalties, temperature
/// and filters, as llama-server reports them). A log-probability of −∞ (a token the model
/// rules out) is written as −9999, OpenAI's value for "never", since JSON has no infinity.
extension OpenAIJSON {
    static func finite(_ x: Float) -> Double { x.isFinite ? Double(x) : -9999 }

    static func piece(_ t: Int32, _ model: Model) -> [UInt8] {
        model.tokenizer.piece(for: t, renderSpecial: true) ?? []
    }

    /// Chat: {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}], "refusal": null}.
    static func chatLogprobs(
        _ tokens: [(token: Int32, logProb: Float, top: [TokenLogProb])], _ model: Model
    ) -> [String: Any] {
        func entry(_ t: Int32, _ lp: Float) -> [String: Any] {
            let b = piece(t, model)
            return ["token": String(decoding: b, as: UTF8.self), "logprob": finite(lp), "bytes": b.map { Int($0) }]
        }
        let content = tokens.map { t -> [String: Any] in
            var e = entry(t.token, t.logProb)
            e["top_logprobs"] = t.top.map { entry($0.token, $0.logProb) }
            return e
        }
        return ["content": content, "refusal": NSNull()]
    }

    /// Completions (legacy): {"tokens", "token_logprobs", "top_logprobs": [{piece: logprob}], "text_offset"}.
    static func completionLogprobs(
        _ tokens: [(token: Int32, logProb: Float, top: [TokenLogProb])], _ model: Model
    )
        -> [String: Any]
    {
        var offset = 0
        var pieces: [String] = [], offsets: [Int] = []
        for t in tokens {
            let text = String(decoding: piece(t.token, model), as: UTF8.self)
            pieces.append(text)
            offsets.append(offset)
            offset += text.utf8.count
        }
        let top = tokens.map { t -> [String: Double] in
            var d: [String: Double] = [:]
            for a in t.top { d[String(decoding: piece(a.token, model), as: UTF8.self)] = finite(a.logProb) }
            return d
        }
        return [
            "tokens": pieces, "token_logprobs": tokens.map { finite($0.logProb) }, "top_logprobs": top,
            "text_offset": offsets,
        ]
    }
}
