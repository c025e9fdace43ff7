#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sampling parameters (the engine side of `llamaswift_sampler_params`).
public struct SamplerOptions: Sendable, Equatable {
    /// 0 = greedy (argmax); otherwise logits are divided by it.
    public var temperature: Float = 0.8
    /// Keep the k most likely tokens; 0 = all.
    public var topK: Int = 40
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 = all.
    public var topP: Float = 0.95
    /// Drop tokens whose probability is below min_p × the top probability; 0 = off.
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

    public init() {}

    public static let randomSeed: UInt64 = 0xFFFF_FFFF_FFFF_FFFF
    static let maxWindow = 4096

    func validate() throws {
        func bad(_ m: String) -> LlamaError { LlamaError(.invalidArgument, m) }
        guard temperature.isFinite, temperature >= 0 else { throw bad("temperature \(temperature) must be ≥ 0 and finite") }
        guard topK >= 0 else { throw bad("top_k \(topK) must be ≥ 0") }
        guard topP.isFinite, topP > 0, topP <= 1 else { throw bad("top_p \(topP) must be in (0, 1]") }
        guard minP.isFinite, minP >= 0, minP <= 1 else { throw bad("min_p \(minP) must be in [0, 1]") }
        guard repeatPenalty.isFinite, repeatPenalty > 0 else { throw bad("repeat_penalty \(repeatPenalty) must be > 0") }
        guard frequencyPenalty.isFinite else { throw bad("frequency_penalty must be finite") }
        guard presencePenalty.isFinite else { throw bad("presence_penalty must be finite") }
        guard penaltyLastN >= -1, penaltyLastN <= Self.maxWindow else {
            throw bad("penalty_last_n \(penaltyLastN) must be in −1 … \(Self.maxWindow)")
        }
    }
}

/// Turns logits into a token. The steps apply in this order:
///
///  1. penalties over the last `penaltyLastN` accepted tokens: repetition (logit ÷ p if
///     positive, × p if negative), then frequency (− count·f) and presence (− pr);
///  2. temperature 0 → the argmax (ties: the lowest id); stop here;
///  3. logits ÷ temperature;
///  4. top-k: keep the k largest (ties broken by lower id);
///  5. softmax over what is left;
///  6. top-p: keep the smallest prefix (by descending probability) whose sum reaches p;
///  7. min-p: keep tokens with probability ≥ min_p × the largest;
///  8. renormalise and draw with the seeded generator (inverse CDF in double precision).
///
/// The sampler records each token it returns (and any passed to `accept`) in its
/// penalty window. Scratch arrays are kept between calls: no allocation per token once
/// warmed up. One thread at a time.
public final class Sampler {
    public let options: SamplerOptions
    private var rng: RandomGenerator
    private var history: [Int32] = []
    private var candidates: [(id: Int32, logit: Float)] = []
    private var counts: [Int32: Int] = [:]
    private var probs: [Double] = []

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

    /// Clears the penalty window (the random state continues).
    public func reset() { history.removeAll(keepingCapacity: true) }

    public func sample(_ logits: UnsafeBufferPointer<Float>) throws -> Int32 {
        let n = logits.count
        guard n > 0 else { throw LlamaError(.invalidArgument, "no logits to sample from") }
        let o = options
        // 1. Penalties, on a working copy.
        candidates.removeAll(keepingCapacity: true)
        candidates.reserveCapacity(n)
        for i in 0..<n { candidates.append((Int32(i), logits[i])) }
        let penalise = !history.isEmpty && (o.repeatPenalty != 1 || o.frequencyPenalty != 0 || o.presencePenalty != 0)
        if penalise {
            counts.removeAll(keepingCapacity: true)
            for t in history { counts[t, default: 0] += 1 }
            for (t, c) in counts where t >= 0 && Int(t) < n {
                var l = candidates[Int(t)].logit
                if o.repeatPenalty != 1 { l = l > 0 ? l / o.repeatPenalty : l * o.repeatPenalty }
                l -= Float(c) * o.frequencyPenalty + o.presencePenalty
                candidates[Int(t)].logit = l
            }
        }
        for c in candidates where c.logit.isNaN {
            throw LlamaError(.internalError, "logit of token \(c.id) is NaN")
        }
        // 2. Greedy.
        if o.temperature == 0 {
            var best = 0
            for i in 1..<n where candidates[i].logit > candidates[best].logit { best = i }
            let token = candidates[best].id
            accept(token)
            return token
        }
        // 3–4. Temperature, top-k (sort by logit descending, id ascending on ties).
        for i in 0..<n { candidates[i].logit /= o.temperature }
        let k = o.topK > 0 ? min(o.topK, n) : n
        if k < n {
            candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
            candidates.removeLast(n - k)
        } else {
            candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        }
        // 5. Softmax (max first, sums in double).
        let maxLogit = candidates[0].logit
        probs.removeAll(keepingCapacity: true)
        probs.append(contentsOf: repeatElement(0, count: candidates.count))
        var total = 0.0
        for i in 0..<candidates.count {
            let p = exp(Double(candidates[i].logit - maxLogit))
            probs[i] = p
            total += p
        }
        for i in 0..<probs.count { probs[i] /= total }
        // 6. Top-p.
        var keep = probs.count
        if o.topP < 1 {
            var cum = 0.0
            for i in 0..<probs.count {
                cum += probs[i]
                if cum >= Double(o.topP) {
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
        // 8. Draw.
        var mass = 0.0
        for i in 0..<keep { mass += probs[i] }
        let r = rng.nextUnit() * mass
        var cum = 0.0
        var chosen = keep - 1
        for i in 0..<keep {
            cum += probs[i]
            if r < cum {
                chosen = i
                break
            }
        }
        let token = candidates[chosen].id
        accept(token)
        return token
    }
}
