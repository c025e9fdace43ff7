import Testing
#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine

/// Embeddings mode against Hugging Face transformers' last_hidden_state (after the final
/// norm; Tests/Fixtures/embeddings.json, made by scripts/ref/make_embedding_refs.py for the
/// committed tiny llama, qwen2 and gemma3 files), and pooling/normalisation against their
/// definitions computed here from the per-token rows.
@Suite struct EmbeddingsTests {
    static let ref: JSON? = try? JSON.parse(file: TestPaths.fixtures + "/embeddings.json")
    static let names = ["tiny-gqa", "qwen2", "gemma3"]

    static func entry(_ name: String) throws -> JSON {
        let r = try #require(ref, "Tests/Fixtures/embeddings.json is missing")
        return try #require(r["models"].array.first { $0["name"].string == name })
    }

    static func session(
        _ model: Model, _ pooling: Pooling, normalize: Int = -1, threads: Int = 2, batch: Int = 0
    )
        throws -> Session
    {
        var o = SessionOptions()
        o.embeddings = EmbeddingOptions(pooling: pooling, normalize: normalize)
        o.threads = threads
        o.batchSize = batch
        o.kvF32 = true
        o.contextLength = 128
        return try Session(model: model, options: o)
    }

    static func rows(_ s: Session) -> [[Float]] {
        guard let e = s.currentEmbeddings else { return [] }
        let E = s.config.embeddingLength
        return (0..<e.rows).map { r in Array(UnsafeBufferPointer(start: e.pointer + r * E, count: E)) }
    }

    @Test(arguments: names)
    func perTokenHiddenStatesMatchHuggingFace(name: String) throws {
        let m = try Self.entry(name)
        let model = try Model(path: TestPaths.fixtures + "/" + m["gguf"].string!)
        var compared = 0
        for seq in m["sequences"].array {
            let tokens = seq["tokens"].ints.map(Int32.init)
            let hf = seq["last_hidden_state"].array.map(\.floats)
            // One call; chunks of 5 tokens; 1 and 2 threads: the same rows.
            for (threads, batch) in [(1, 0), (2, 0), (2, 5)] {
                let s = try Self.session(model, .none, threads: threads, batch: batch)
                try s.decode(tokens)
                let ours = Self.rows(s)
                #expect(ours.count == tokens.count)
                #expect(s.currentLogits == nil)
                var worst: Float = 0
                for (a, b) in zip(ours, hf) {
                    #expect(a.count == b.count)
                    for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
                    compared += a.count
                }
                if getenv("LLAMASWIFT_TEST_REPORT") != nil {
                    print(
                        "REPORT embeddings \(name) len \(tokens.count) threads \(threads) batch \(batch): max |ours − HF| \(worst)"
                    )
                }
                #expect(worst < 1e-4, "\(name) len \(tokens.count): max |ours − HF last_hidden_state| = \(worst)")
            }
        }
        #expect(compared > 0)
    }

    /// p-norm as llama.cpp's common_embd_normalize defines it, on doubles.
    static func normalized(_ v: [Float], _ p: Int) -> [Float] {
        let d = v.map(Double.init)
        var norm: Double
        switch p {
        case -1: return v
        case 0: norm = d.map(abs).max()! / 32760
        case 1: norm = d.map(abs).reduce(0, +)
        case 2: norm = d.map { $0 * $0 }.reduce(0, +).squareRoot()
        default: norm = pow(d.map { pow(abs($0), Double(p)) }.reduce(0, +), 1 / Double(p))
        }
        return d.map { Float(norm > 0 ? $0 / norm : 0) }
    }

    @Test(arguments: ["tiny-gqa", "gemma3"])
    func poolingAndNormalisationFollowTheirDefinitions(name: String) throws {
        let m = try Self.entry(name)
        let model = try Model(path: TestPaths.fixtures + "/" + m["gguf"].string!)
        let tokens = m["sequences"][0]["tokens"].ints.map(Int32.init)
        let base = try Self.session(model, .none)
        try base.decode(tokens)
        let rows = Self.rows(base)
        let E = rows[0].count
        let mean = (0..<E).map { j in Float(rows.reduce(0.0) { $0 + Double($1[j]) } / Double(rows.count)) }
        let expected: [Pooling: [Float]] = [.mean: mean, .cls: rows[0], .last: rows[rows.count - 1]]
        for pooling in [Pooling.mean, .cls, .last] {
            for p in [-1, 0, 1, 2, 3, 7] {
                let s = try Self.session(model, pooling, normalize: p)
                try s.decode(tokens)
                let got = Self.rows(s)
                #expect(got.count == 1)
                let want = Self.normalized(expected[pooling]!, p)
                let scale = want.map(abs).max()!
                let worst = zip(got[0], want).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-6 * max(1, scale), "\(name) \(pooling.name) norm \(p): \(worst)")
            }
        }
        // Per-token normalisation with NONE.
        let s = try Self.session(model, .none, normalize: 2)
        try s.decode(tokens)
        for (a, b) in zip(Self.rows(s), rows) {
            let w = Self.normalized(b, 2)
            #expect(zip(a, w).map { abs($0 - $1) }.max()! < 1e-6)
        }
    }

    @Test func poolingIsOverTheCallsTokensAndStateFollowsTheSession() throws {
        let m = try Self.entry("tiny-gqa")
        let model = try Model(path: TestPaths.fixtures + "/" + m["gguf"].string!)
        let tokens = m["sequences"][0]["tokens"].ints.map(Int32.init)
        let whole = try Self.session(model, .none)
        try whole.decode(tokens)
        let all = Self.rows(whole)
        // Two calls: the second call's LAST/CLS are its own last/first token's rows.
        let s = try Self.session(model, .cls)
        try s.decode(Array(tokens[0..<5]))
        try s.decode(Array(tokens[5...]))
        #expect(zip(Self.rows(s)[0], all[5]).allSatisfy { abs($0 - $1) < 1e-5 })
        try s.rewind(to: 0)
        #expect(s.currentEmbeddings == nil)
        // No logits: sampling and generation refuse.
        #expect(s.lastLogits == nil)
        let sampler = try Sampler(options: SamplerOptions())
        var result = GenerateResult()
        #expect {
            try "hi".utf8CString.withUnsafeBytes {
                try Generator.generate(
                    session: s, sampler: sampler, prompt: UnsafeRawBufferPointer(rebasing: $0.dropLast()),
                    options: GenerateOptions(), result: &result
                ) { _ in true }
            }
        } throws: { ($0 as? LlamaError)?.kind == .invalidArgument }
        // A batched decode with a logits session gives each what it gives alone.
        let e = try Self.session(model, .mean)
        var lo = SessionOptions()
        lo.kvF32 = true
        lo.contextLength = 128
        let l = try Session(model: model, options: lo)
        try Session.decode(batch: [(l, tokens), (e, tokens)])
        let alone = try Self.session(model, .mean)
        try alone.decode(tokens)
        #expect(Self.rows(e) == Self.rows(alone))
        let lAlone = try Session(model: model, options: lo)
        try lAlone.decode(tokens)
        #expect(Array(l.lastLogits!) == Array(lAlone.lastLogits!))
    }

    @Test func invalidNormalisationIsRefused() throws {
        let m = try Self.entry("tiny-gqa")
        let model = try Model(path: TestPaths.fixtures + "/" + m["gguf"].string!)
        for p in [-2, 1 << 20] {
            #expect { try Self.session(model, .mean, normalize: p) } throws: {
                ($0 as? LlamaError)?.kind == .invalidArgument
            }
        }
    }
}
