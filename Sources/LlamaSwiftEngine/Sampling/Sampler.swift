#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where temperature applies in the chain (`llamaswift_sampler_params.temperature_order`).
public enum TemperatureOrder: Sendable {
    /// llama.cpp's chain (its `common` default and llama-cpp-python's): top-k, top-p and
    /// min-p see the untempered distribution; temperature reshapes what they kept.
    case last
    /// Hugging Face's order: logits ÷ temperature first, then top-k, top-p, min-p.
    case first
}

/// Sampling parameters (the engine side of `llamaswift_sampler_params`).
public struct SamplerOptions: Sendable, Equatable {
    /// 0 = greedy (argmax); otherwise logits are divided by it (any positive finite value:
    /// a tiny one gives the greedy limit, a huge one the uniform limit).
    public var temperature: Float = 0.8
    /// Keep the k most likely tokens; 0 or negative = all (llama.cpp's convention).
    public var topK: Int = 40
    /// Keep the smallest set of most likely tokens whose probability reaches p;
    /// ≥ 1 = all, ≤ 0 = the most likely token only (llama.cpp's meaning).
    public var topP: Float = 0.95
    /// Drop tokens whose probability is below min_p × the top probability; ≤ 0 = off,
    /// > 1 = the most likely token only (llama.cpp's meaning).
    public var minP: Float = 0.05
    /// Repetition penalty (CTRL-style: positive logits divided, negative multiplied) for
    /// tokens among the last `penaltyLastN`; 1 = off.
    public var repeatPenalty: Float = 1.0
    /// Subtracted `count × frequency_penalty` per occurrence in the window; 0 = off.
    public var frequencyPenalty: Float = 0
    /// Subtracted once for any token present in the window; 0 = off.
    public var presencePenalty: Float = 0
    /// Penalty window in tokens; 0 = off, −1 = the whole history kept (up to 4096).
    public var penaltyLastN: Int = 64
    public var seed: UInt64 = 0xFFFF_FFFF_FFFF_FFFF
    /// Where temperature applies; llama.cpp's order by default.
    public var temperatureOrder: TemperatureOrder = .last

    public init() {}

    public static let randomSeed: UInt64 = 0xFFFF_FFFF_FFFF_FFFF
    static let maxWindow = 4096

    func validate() throws {
        func bad(_ m: String) -> LlamaError { LlamaError(.invalidArgument, m) }
        guard temperature.isFinite, temperature >= 0 else {
            throw bad("temperature \(temperature) must be ≥ 0 and finite")
        }
        guard topP.isFinite else { throw bad("top_p \(topP) must be finite") }
        guard minP.isFinite else { throw bad("min_p \(minP) must be finite") }
        guard repeatPenalty.isFinite, repeatPenalty > 0 else {
            throw bad("repeat_penalty \(repeatPenalty) must be > 0 and finite")
        }
        guard frequencyPenalty.isFinite else { throw bad("frequency_penalty must be finite") }
        guard presencePenalty.isFinite else { throw bad("presence_penalty must be finite") }
        guard penaltyLastN >= -1, penaltyLastN <= Self.maxWindow else {
            throw bad("penalty_last_n \(penaltyLastN) must be in −1 … \(Self.maxWindow)")
        }
    }
}

/// Turns logits into a token. All arithmetic after reading the logits is in double
/// precision, so no finite parameter can overflow: a Float logit times or over any
/// finite Float factor, or minus 4096 × any finite Float, is finite in a Double. The
/// steps:
///
///  0. the logit bias (Sampler+LogitBias.swift), first, as in llama.cpp's common chain;
///     then, with a grammar (`setGrammar`), tokens it does not allow get logit −∞ (set,
///     not added: a +∞ bias cannot bring back a token the grammar rules out, and a token
///     banned by a −∞ bias stays banned whatever the grammar allows);
///  1. penalties over the last `penaltyLastN` accepted tokens: repetition (logit ÷ p if
///     positive, × p if negative), then frequency (− count·f) and presence (− pr);
///  2. temperature 0 → the argmax (ties: the lowest id); stop here;
///  3. with `TemperatureOrder.first` only: logits ÷ temperature;
///  4. top-k: keep the k largest (ties broken by lower id);
///  5. softmax over what is left;
///  6. top-p: keep the smallest prefix (by descending probability) whose sum reaches p
///     (so p ≤ 0 keeps one token, as in llama.cpp);
///  7. min-p: keep tokens with probability ≥ min_p × the largest;
///  8. with `TemperatureOrder.last` (default, llama.cpp's chain): the kept tokens'
///     probabilities are recomputed from logits ÷ temperature;
///  9. draw with the seeded generator (inverse CDF in double precision).
///
/// Softmax subtracts the largest logit before dividing by the temperature, so a tiny
/// temperature tends to the argmax (all mass on the largest logit, shared by ties) and a
/// huge one to the uniform distribution over what is kept — their mathematical limits —
/// instead of overflowing. A logit of +∞ (from the model) takes all the mass; −∞ none.
///
/// The sampler records each token it returns (and any passed to `accept`) in its
/// penalty window. Scratch arrays are kept between calls: no allocation per token once
/// warmed up. One thread at a time.
public final class Sampler {
    public let options: SamplerOptions
    private var rng: RandomGenerator
    private var history: [Int32] = []
    /// The working logits of `prepare` (internal for the extensions' steps).
    var candidates: [(id: Int32, logit: Double)] = []
    /// The grammar constraint, applied right after the logit bias and before every other
    /// step (Sampler+Grammar.swift).
    public internal(set) var grammar: GrammarConstraint?
    private var counts: [Int32: Int] = [:]
    private var probs: [Double] = []
    /// Sampler+LogitBias.swift: the bias per token, added to the logits before step 1.
    var logitBias: [(token: Int32, bias: Float)] = []
    var bansTokens = false
    /// Sampler+LogProbs.swift: the raw logits and the token of the last `sample`.
    var recordedLogits: [Float] = []
    var recordedToken: Int32 = -1

    public init(options: SamplerOptions) throws {
        try options.validate()
        self.options = options
        var seed = options.seed
        if seed == SamplerOptions.randomSeed {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            seed = UInt64(bitPattern: Int64(ts.tv_nsec)) ^ (UInt64(bitPattern: Int64(ts.tv_sec)) << 20)
        }
        rng = RandomGenerator(seed: seed)
    }

    private var window: Int { options.penaltyLastN == -1 ? SamplerOptions.maxWindow : options.penaltyLastN }

    /// Adds a token to the penalty window (as if it had been sampled).
    public func accept(_ token: Int32) {
        guard window > 0 else { return }
        history.append(token)
        if history.count > window { history.removeFirst(history.count - window) }
    }

    /// Clears the penalty window and puts the grammar back at its start (the random state continues).
    public func reset() {
        history.removeAll(keepingCapacity: true)
        grammar?.reset()
    }

    public func sample(_ logits: UnsafeBufferPointer<Float>) throws -> Int32 {
        let keep = try prepare(logits)
        let token: Int32
        if keep == 1 {
            token = candidates[0].id
        } else {
            var mass = 0.0
            for i in 0..<keep { mass += probs[i] }
            let r = rng.nextUnit() * mass
            var cum = 0.0
            var chosen = 0
            for i in 0..<keep where probs[i] > 0 {
                chosen = i  // the last token with weight, should rounding leave r ≥ cum
                cum += probs[i]
                if r < cum { break }
            }
            token = candidates[chosen].id
        }
        try grammar?.accept(token)
        record(logits, token)  // the raw logits: neither the bias nor the grammar mask shows
        accept(token)
        return token
    }

    /// The distribution `sample` draws from: the tokens it can return (probability > 0)
    /// by descending probability (ties: lower id first) and their probabilities, summing
    /// to 1. Does not touch the random state or the penalty window.
    func distribution(_ logits: UnsafeBufferPointer<Float>) throws -> [(id: Int32, p: Double)] {
        let keep = try prepare(logits)
        if keep == 1 { return [(candidates[0].id, 1)] }
        var mass = 0.0
        for i in 0..<keep { mass += probs[i] }
        return (0..<keep).filter { probs[$0] > 0 }.map { (candidates[$0].id, probs[$0] / mass) }
    }

    /// Steps 1–8: leaves the kept tokens in `candidates[0..<keep]` (descending) with
    /// their unnormalised weights in `probs[0..<keep]`; returns `keep` (≥ 1). When greedy,
    /// `keep` is 1 and `candidates[0]` is the argmax.
    private func prepare(_ logits: UnsafeBufferPointer<Float>) throws -> Int {
        let n = logits.count
        guard n > 0 else { throw LlamaError(.invalidArgument, "no logits to sample from") }
        let o = options
        // 1. Penalties, on a working copy in double precision.
        candidates.removeAll(keepingCapacity: true)
        candidates.reserveCapacity(n)
        for i in 0..<n {
            let l = logits[i]
            guard !l.isNaN else { throw LlamaError(.internalError, "logit of token \(i) is NaN") }
            candidates.append((Int32(i), Double(l)))
        }
        try applyLogitBias()  // 0. the logit bias, first
        if let g = grammar { try applyGrammar(g) }  // 0. then the grammar mask
        let penalise = !history.isEmpty && (o.repeatPenalty != 1 || o.frequencyPenalty != 0 || o.presencePenalty != 0)
        if penalise {
            counts.removeAll(keepingCapacity: true)
            for t in history { counts[t, default: 0] += 1 }
            let rp = Double(o.repeatPenalty), fp = Double(o.frequencyPenalty), pp = Double(o.presencePenalty)
            for (t, c) in counts where t >= 0 && Int(t) < n {
                var l = candidates[Int(t)].logit
                guard l.isFinite else { continue }  // ±∞ stays as it is
                if rp != 1 { l = l > 0 ? l / rp : l * rp }
                l -= Double(c) * fp + pp
                candidates[Int(t)].logit = l
            }
        }
        // 2. Greedy.
        if o.temperature == 0 {
            var best = 0
            for i in 1..<n where candidates[i].logit > candidates[best].logit { best = i }
            candidates.swapAt(0, best)
            probs.removeAll(keepingCapacity: true)
            probs.append(1)
            return 1
        }
        let temperature = Double(o.temperature)
        // 3–4. Temperature (first order) is applied inside the softmax below, where it
        // cannot overflow: the order of logits is the same with or without it. Top-k.
        candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        let k = o.topK > 0 ? min(o.topK, n) : n
        if k < n { candidates.removeLast(n - k) }
        // 5. Softmax, at the temperature the order puts before top-p and min-p.
        softmax(temperature: o.temperatureOrder == .first ? temperature : 1)
        // 6. Top-p.
        var keep = probs.count
        if o.topP < 1 {
            var cum = 0.0
            let p = Double(o.topP)
            for i in 0..<probs.count {
                cum += probs[i]
                if cum >= p {
                    keep = i + 1
                    break
                }
            }
        }
        // 7. Min-p.
        if o.minP > 0 {
            let threshold = Double(o.minP) * probs[0]
            var m = 0
            while m < keep && probs[m] >= threshold { m += 1 }
            keep = max(1, m)
        }
        // 8. Temperature last: reweight what is left.
        if o.temperatureOrder == .last && keep > 1 {
            candidates.removeLast(candidates.count - keep)
            softmax(temperature: temperature)
        }
        return keep
    }

    /// `probs[i] = exp((logit_i − max) / temperature) / Σ` over `candidates` (sorted, so
    /// the max is the first). (l − max) ≤ 0 and the division is in double precision, so
    /// the exponent is never NaN or +∞ for finite logits: a tiny temperature underflows the
    /// others to 0, a huge one sends every weight to 1. A +∞ maximum: the +∞ logits share
    /// the mass.
    private func softmax(temperature: Double) {
        let maxLogit = candidates[0].logit
        probs.removeAll(keepingCapacity: true)
        var total = 0.0
        for c in candidates {
            let p: Double
            if maxLogit == .infinity {
                p = c.logit == .infinity ? 1 : 0
            } else if c.logit == -.infinity {
                p = 0
            } else {
                p = exp((c.logit - maxLogit) / temperature)
            }
            probs.append(p)
            total += p
        }
        // total ≥ 1: the first term is exp(0) (or 1 for +∞), unless every logit is −∞.
        if total > 0 {
            for i in 0..<probs.count { probs[i] /= total }
        } else {
            for i in 0..<probs.count { probs[i] = 1 / Double(probs.count) }
        }
    }
}
