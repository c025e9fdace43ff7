import LlamaSwiftEngine

/// --logit-bias: every token must exist in the model's vocabulary (the engine ignores
/// ids past it, which on the command line is a mistake worth reporting).
func setLogitBias(_ bias: [(token: Int32, bias: Float)], _ sampler: Sampler, vocabulary: Int) throws {
    for b in bias where Int(b.token) >= vocabulary {
        throw CLIError("--logit-bias: token \(b.token) is not in the vocabulary (\(vocabulary) tokens)")
    }
    try sampler.setLogitBias(bias)
}

/// One JSON line per generated token for `run --n-probs N`:
/// {"token":ID,"piece":"…","logprob":X,"top":[{"token":ID,"piece":"…","logprob":X},…]}
/// (pieces as text, bytes that are not UTF-8 as U+FFFD; a log-probability of −∞ as null).
func printTokenJSON(_ g: GeneratedToken, _ model: Model) -> Bool {
    func piece(_ t: Int32) -> String {
        jsonQuoted(String(decoding: model.tokenizer.piece(for: t, renderSpecial: true) ?? [], as: UTF8.self))
    }
    func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }
    let top = g.top.map { "{\"token\":\($0.token),\"piece\":\(piece($0.token)),\"logprob\":\(number($0.logProb))}" }
    let line =
        "{\"token\":\(g.token),\"piece\":\(jsonQuoted(String(decoding: g.piece, as: UTF8.self))),"
        + "\"logprob\":\(number(g.logProb)),\"top\":[\(top.joined(separator: ","))]}\n"
    writeOut(Array(line.utf8))
    return true
}
