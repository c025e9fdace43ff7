/// The settings of one command, filled from its parsed flags (LlamaSwiftCommand.swift)
/// and read by the commands (Commands.swift).
struct Options {
    var model: String?
    var prompt: String?
    var file: String?
    var system: String?
    var nPredict = 256
    var ctx = 0
    var threads = 0
    var batch = 0
    /// -ctk / -ctv: the K and V cache types (nil: the defaults).
    var cacheTypeK: KVCacheType?
    var cacheTypeV: KVCacheType?
    var seed: UInt64 = 0xFFFF_FFFF_FFFF_FFFF
    var temp: Float = 0.8
    var topK = 40
    var topP: Float = 0.95
    var minP: Float = 0.05
    var repeatPenalty: Float = 1.0
    var template: String?
    var reps = 5
    var pp = 512
    var tg = 128
    /// `bench -d`: tokens already in the cache before each pp and tg test (llama-bench's -d).
    var depth = 0
    var raw = false
    var parseSpecial = false
    /// Lock the weights in memory (--mlock).
    var mlock = false
    /// bench: parallel sequence counts for the batched mode (llama-batched-bench's -npl).
    var parallel: [Int] = []
    /// Tokens a context shift keeps at the start (llama.cpp's --keep); -1 = the whole
    /// first prompt (chat) or the minimum (run).
    var keep = -1
    /// Off: a full context ends the generation (llama.cpp's --no-context-shift).
    var contextShift = true
    /// GBNF text from --grammar, --grammar-file or -j/--json-schema (converted).
    var grammar: [UInt8]?
    /// run and chat: logit bias entries (--logit-bias); run: top log-probabilities per token (--n-probs).
    var logitBias: [(token: Int32, bias: Float)] = []
    var nProbs = 0

    func requireModel() throws -> String {
        guard let model else { throw CLIError("-m MODEL is required") }
        return model
    }

    var sessionOptions: SessionOptions {
        var o = SessionOptions()
        o.contextLength = ctx
        o.threads = threads
        o.batchSize = batch
        o.kvType = cacheTypeK
        o.kvTypeV = cacheTypeV
        return o
    }

    var samplerOptions: SamplerOptions {
        var o = SamplerOptions()
        o.temperature = temp
        o.topK = topK
        o.topP = topP
        o.minP = minP
        o.repeatPenalty = repeatPenalty
        o.seed = seed
        return o
    }
}

struct CLIError: Error {
    let message: String
    init(_ m: String) { message = m }
}

import LlamaSwiftEngine
