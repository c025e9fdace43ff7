import Testing
#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine

/// Logit bias (a +100 bias forces a token; a −∞ ban never appears, greedy or sampled,
/// over many seeds; all banned is an error) and the log-probabilities of the last sampled
/// token (a log-softmax of the raw logits, computed here independently).
@Suite struct LogitBiasLogProbTests {
    /// Deterministic pseudo-random logits of a realistic spread (N(0, 3)-like), n tokens.
    static func logits(_ n: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in Float((rng.nextUnit() + rng.nextUnit() + rng.nextUnit() - 1.5) * 6) }
    }

    static func sampler(temperature: Float, seed: UInt64, topK: Int = 40) throws -> Sampler {
        var o = SamplerOptions()
        o.temperature = temperature
        o.seed = seed
        o.topK = topK
        return try Sampler(options: o)
    }

    @Test func plusHundredForcesAToken() throws {
        for seed in UInt64(0)..<200 {
            let l = Self.logits(1000, seed: seed)
            let target = Int32(seed * 37 % 1000)
            for temperature: Float in [0, 0.8, 1.5] {
                let s = try Self.sampler(temperature: temperature, seed: seed, topK: 0)
                try s.setLogitBias([(target, 100)])
                let t = try l.withUnsafeBufferPointer { try s.sample($0) }
                #expect(t == target, "seed \(seed) temperature \(temperature): \(t) instead of \(target)")
            }
        }
    }

    @Test func bannedTokensNeverAppear() throws {
        let n = 500
        var drawn = 0
        for seed in UInt64(0)..<300 {
            let l = Self.logits(n, seed: seed)
            // Ban the 25 most likely tokens: without the ban they would take most draws.
            let order = (0..<n).sorted { l[$0] != l[$1] ? l[$0] > l[$1] : $0 < $1 }
            let banned = Set(order.prefix(25).map(Int32.init))
            for (temperature, topK) in [(Float(0), 40), (0.8, 40), (2.0, 0), (1e-30, 0)] {
                let s = try Self.sampler(temperature: temperature, seed: seed, topK: topK)
                try s.setLogitBias(banned.map { ($0, -Float.infinity) })
                for _ in 0..<4 {
                    let t = try l.withUnsafeBufferPointer { try s.sample($0) }
                    #expect(!banned.contains(t), "seed \(seed) temperature \(temperature): banned \(t) drawn")
                    drawn += 1
                }
                if temperature == 0 {
                    let t = try l.withUnsafeBufferPointer { try s.sample($0) }
                    #expect(t == Int32(order[25]), "greedy picks the best token not banned")
                }
            }
        }
        #expect(drawn == 300 * 4 * 4)
    }

    @Test func banningAllButOneLeavesThatOne() throws {
        let l = Self.logits(64, seed: 7)
        for temperature: Float in [0, 1, 100] {
            let s = try Self.sampler(temperature: temperature, seed: 1, topK: 0)
            try s.setLogitBias((0..<64).filter { $0 != 5 }.map { (Int32($0), -Float.infinity) })
            for _ in 0..<20 { #expect(try l.withUnsafeBufferPointer { try s.sample($0) } == 5) }
        }
    }

    @Test func banningEveryTokenIsAnError() throws {
        let l = Self.logits(16, seed: 3)
        for temperature: Float in [0, 0.8] {
            let s = try Self.sampler(temperature: temperature, seed: 1)
            try s.setLogitBias((0..<16).map { (Int32($0), -Float.infinity) } + [(99, 5)])
            #expect { try l.withUnsafeBufferPointer { try s.sample($0) } } throws: {
                ($0 as? LlamaError)?.kind == .invalidArgument
            }
        }
    }

    @Test func biasesAddUpAndOutOfVocabularyIsIgnored() throws {
        let l: [Float] = [0, 1, 2, 3]
        let s = try Self.sampler(temperature: 0, seed: 1)
        try s.setLogitBias([(0, 2), (0, 2), (4, 1000), (1_000_000, 1000)])  // token 0: 0 + 4 > 3
        #expect(try l.withUnsafeBufferPointer { try s.sample($0) } == 0)
        try s.setLogitBias([])
        #expect(try l.withUnsafeBufferPointer { try s.sample($0) } == 3)
    }

    @Test func invalidBiasKeepsThePreviousSet() throws {
        let s = try Self.sampler(temperature: 0, seed: 1)
        try s.setLogitBias([(1, 50)])
        for bad in [[(Int32(-1), Float(1))], [(Int32(2), Float.nan)]] {
            #expect { try s.setLogitBias(bad) } throws: { ($0 as? LlamaError)?.kind == .invalidArgument }
        }
        #expect(s.currentLogitBias.count == 1 && s.currentLogitBias[0].token == 1)
        let l: [Float] = [0, 1, 2, 3]
        #expect(try l.withUnsafeBufferPointer { try s.sample($0) } == 1)
    }

    /// log p_i = log(e^{l_i} / Σ e^{l_j}), computed directly in double (no max shift: the
    /// logits here are small) — a different formula from the sampler's.
    static func logSoftmax(_ l: [Float]) -> [Double] {
        let z = l.reduce(0.0) { $0 + exp(Double($1)) }
        return l.map { log(exp(Double($0)) / z) }
    }

    @Test func logProbsAreTheLogSoftmaxOfTheRawLogits() throws {
        #expect(try Self.sampler(temperature: 0.8, seed: 1).lastLogProbs(top: 3) == nil)
        for seed in UInt64(0)..<50 {
            let l = Self.logits(300, seed: seed)
            let ref = Self.logSoftmax(l)
            let s = try Self.sampler(temperature: 0.9, seed: seed)
            // A bias and a penalty change what is drawn, not the reported probabilities.
            try s.setLogitBias([(Int32(seed), 100)])
            let t = try l.withUnsafeBufferPointer { try s.sample($0) }
            #expect(t == Int32(seed))
            let lp = try #require(s.lastLogProbs(top: 10))
            #expect(lp.token == t)
            #expect(abs(Double(lp.logProb) - ref[Int(t)]) < 1e-5)
            let expectTop = (0..<300).sorted { ref[$0] != ref[$1] ? ref[$0] > ref[$1] : $0 < $1 }.prefix(10)
            #expect(lp.top.map { Int($0.token) } == Array(expectTop))
            for e in lp.top { #expect(abs(Double(e.logProb) - ref[Int(e.token)]) < 1e-5) }
        }
        // Ties: lower id first; more than the vocabulary: all of it.
        let s = try Self.sampler(temperature: 0, seed: 1)
        let flat: [Float] = [1, 2, 2, 1]
        _ = try flat.withUnsafeBufferPointer { try s.sample($0) }
        let lp = try #require(s.lastLogProbs(top: 9))
        #expect(lp.top.map(\.token) == [1, 2, 0, 3])
        #expect(abs(Double(lp.top[0].logProb) - Self.logSoftmax(flat)[1]) < 1e-6)
    }
}
