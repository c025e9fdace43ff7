import LlamaSwiftEngine

/// How the next token is chosen from the logits (the C API's `llamaswift_sampler_params`;
/// the same chain as llama.cpp's common sampler: penalties, top-k, top-p, min-p,
/// temperature, then a draw). A value: each `generate` or `chat` call starts a fresh
/// chain from it, so a fixed `seed` gives the same text for the same session state.
public struct Sampler: Sendable, Equatable {
    /// 0 = greedy: always the most likely token (≥ 0, finite).
    public var temperature: Float = 0.8
    /// Keep the k most likely tokens; 0 = all.
    public var topK = 40
    /// Keep the smallest set of tokens whose probabilities reach p; 1 = all.
    public var topP: Float = 0.95
    /// Drop tokens less likely than minP × the most likely one's probability; 0 = none.
    public var minP: Float = 0.05
    /// Divide the logit of a token seen in the last `penaltyLastN` tokens (1 = off).
    public var repeatPenalty: Float = 1.0
    /// Subtract frequencyPenalty × count and presencePenalty for each such token (0 = off).
    public var frequencyPenalty: Float = 0
    public var presencePenalty: Float = 0
    /// How many recent tokens (prompt included) the penalties look at.
    public var penaltyLastN = 64
    /// The random stream's seed; nil = a different one for each call.
    public var seed: UInt64? = nil

    public init(
        temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05, seed: UInt64? = nil
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.seed = seed
    }

    /// Always the most likely token (temperature 0): the same text on every run.
    public static var greedy: Sampler { Sampler(temperature: 0) }

    /// A new engine sampler for one call. Throws `.invalidArgument` for an out-of-range value.
    func makeEngineSampler() throws -> LlamaSwiftEngine.Sampler {
        var o = SamplerOptions()
        o.temperature = temperature
        o.topK = topK
        o.topP = topP
        o.minP = minP
        o.repeatPenalty = repeatPenalty
        o.frequencyPenalty = frequencyPenalty
        o.presencePenalty = presencePenalty
        o.penaltyLastN = penaltyLastN
        o.seed = seed ?? SamplerOptions.randomSeed
        return try LlamaSwiftEngine.Sampler(options: o)
    }
}
