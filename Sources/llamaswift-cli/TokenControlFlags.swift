import ArgumentParser
import LlamaSwiftEngine

/// `run`'s logit bias and log-probability flags (llama.cpp's `-l/--logit-bias` and
/// `--n-probs`).
struct TokenControlFlags: ParsableArguments {
    @OptionGroup var bias: LogitBiasFlags

    @Option(
        name: .customLong("n-probs"), parsing: .unconditional,
        help: ArgumentHelp(
            "Print the generated tokens as JSON lines on stdout instead of the text: each token's id, piece and log-probability and the N most probable tokens, from the model's logits before the bias, grammar, penalties and filters (0: off).",
            valueName: "N"))
    var nProbs = 0

    func validate() throws {
        try inRange("--n-probs", nProbs, 0...(1 << 20))
    }

    func apply(_ o: inout Options) throws {
        try bias.apply(&o)
        o.nProbs = nProbs
    }
}

/// `-l/--logit-bias` (run and chat).
struct LogitBiasFlags: ParsableArguments {
    @Option(
        name: [.customShort("l"), .customLong("logit-bias")],
        help: ArgumentHelp(
            "Add BIAS to TOKEN's logit before sampling (before a grammar's mask), llama.cpp's syntax: 15043+1, 15043-1.5, 2-inf (a ban: never sampled, even where a grammar allows it). Repeatable; the same token's biases add up.",
            valueName: "TOKEN(+|-)BIAS"))
    var logitBias: [String] = []

    func validate() throws {
        _ = try parsedBias()
    }

    /// "TOKEN+BIAS" / "TOKEN-BIAS" as llama.cpp reads them (a decimal token id, the sign,
    /// a float: "inf" included; "-inf" bans).
    func parsedBias() throws -> [(token: Int32, bias: Float)] {
        try logitBias.map { s in
            guard let sign = s.dropFirst().firstIndex(where: { $0 == "+" || $0 == "-" }),
                let token = Int32(s[..<sign]), token >= 0,
                let magnitude = Float(s[s.index(after: sign)...]), !magnitude.isNaN
            else {
                throw ValidationError("--logit-bias '\(s)': expected TOKEN+BIAS or TOKEN-BIAS, e.g. 15043+1 or 2-inf")
            }
            return (token, s[sign] == "-" ? -magnitude : magnitude)
        }
    }

    func apply(_ o: inout Options) throws {
        o.logitBias = try parsedBias()
    }
}
