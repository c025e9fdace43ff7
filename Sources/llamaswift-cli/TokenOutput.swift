import LlamaSwift

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
        jsonString(String(decoding: model.tokenizer.piece(for: t, renderSpecial: true) ?? [], as: UTF8.self))
    }
    func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }
    let top = g.top.map { "{\"token\":\($0.token),\"piece\":\(piece($0.token)),\"logprob\":\(number($0.logProb))}" }
    let line =
        "{\"token\":\(g.token),\"piece\":\(jsonString(String(decoding: g.piece, as: UTF8.self))),"
        + "\"logprob\":\(number(g.logProb)),\"top\":[\(top.joined(separator: ","))]}\n"
    writeOut(Array(line.utf8))
    return true
}

/// A JSON string literal (RFC 8259 escapes).
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
