import Testing
#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine
import LlamaSwiftFormats

/// Hugging Face checkpoint folders (issue 23): the folders of Tests/Fixtures/hf/ are the
/// models of Tests/Fixtures/arch/ saved by transformers (scripts/ref/make_hf_folders.py
/// checks that their HF logits are arch/<name>.json's), so a folder must give the logits
/// of llama.cpp's conversion of it (arch/<name>.gguf) and of HF.
@Suite struct CheckpointFolderTests {
    static let names = ["llama3-rope", "qwen2", "phi3", "gemma3"]
    static var hf: String { TestPaths.fixtures + "/hf/" }
    static var arch: String { TestPaths.fixtures + "/arch/" }

    static func logits(_ model: Model, _ tokens: [Int32], threads: Int = 2) throws -> [Float] {
        var o = SessionOptions()
        o.logitsAll = true
        o.threads = threads
        o.kvF32 = true
        o.contextLength = 128
        let s = try Session(model: model, options: o)
        try s.decode(tokens)
        return Array(UnsafeBufferPointer(start: s.currentLogits!, count: tokens.count * s.vocabularySize))
    }

    static func maxAbs(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// max over positions of max|ours − ref| / max|ref| (ArchitectureTests' distance).
    static func relative(_ ours: [Float], _ ref: [JSON], vocab: Int) -> Float {
        var worst: Float = 0
        for (t, row) in ref.enumerated() {
            let r = row.floats
            guard r.count == vocab, (t + 1) * vocab <= ours.count else { return .infinity }
            var d: Float = 0, m: Float = 0
            for i in 0..<vocab {
                d = max(d, abs(ours[t * vocab + i] - r[i]))
                m = max(m, abs(r[i]))
            }
            worst = max(worst, d / m)
        }
        return worst
    }

    @Test(arguments: names)
    func folderEqualsGGUFAndHuggingFace(name: String) throws {
        let folder = try Model(path: Self.hf + name)
        let gguf = try Model(path: Self.arch + name + ".gguf")
        #expect(folder.gguf.source == .huggingFace(folder: Self.hf + name))
        #expect(folder.config?.architecture == gguf.config?.architecture)
        #expect(folder.config?.ropeStyle == .halves)
        let ref = try JSON.parse(file: Self.arch + name + ".json")
        for seq in ref["sequences"].array {
            let tokens = seq["tokens"].ints.map(Int32.init)
            let a = try Self.logits(folder, tokens), b = try Self.logits(gguf, tokens)
            let d = Self.maxAbs(a, b)
            #expect(d < 1e-5, "\(name) len \(tokens.count): folder vs GGUF \(d)")
            let r = Self.relative(a, seq["hf_logits"].array, vocab: folder.vocabularySize)
            #expect(r < 1e-4, "\(name) len \(tokens.count): folder vs HF relative \(r)")
        }
    }

    /// The folders' tokenizer files: specials, add_bos, the chat template.
    @Test func tokenizerFiles() throws {
        let m = try Model(path: Self.hf + "qwen2", vocabOnly: true)
        #expect(m.vocabularySize == 259)
        #expect(m.tokenizer.bos == 1)
        #expect(m.tokenizer.eos == 2)
        #expect(m.tokenizer.addBOS)
        #expect(m.tokenizer.chatTemplate?.hasPrefix("{% for m in messages %}") == true)
        // Byte fallback: "A" is the byte token <0x41> (id 3 + 0x41).
        #expect(try m.tokenizer.tokenize("A") == [3 + 0x41])
    }

    /// A byte-level BPE tokenizer.json (SmolLM2's vocabulary and merges, Digits + ByteLevel
    /// pre-tokenizer: read as pre-tokenizer 'smollm'), loaded vocab-only from a folder
    /// without weights, gives llama.cpp's ids on every case of smollm2-tokenize.json
    /// (make_smollm2_folder.py checked HF tokenizers gives them too).
    @Test func byteLevelTokenizerFolder() throws {
        let m = try Model(path: Self.hf + "smollm2-tokenizer", vocabOnly: true)
        let ref = try JSON.parse(file: TestPaths.fixtures + "/smollm2-tokenize.json")
        #expect(m.vocabularySize == ref["n_vocab"].int)
        #expect(m.tokenizer.bos == 1 && m.tokenizer.eos == 2 && !m.tokenizer.addBOS)
        var n = 0
        for c in ref["cases"].array {
            let text = c["text"].string ?? ""
            let ids = try m.tokenizer.tokenize(
                text, addSpecial: c["add_special"].bool ?? false, parseSpecial: c["parse_special"].bool ?? false)
            #expect(ids.map(Int.init) == c["ids"].ints, "\(text.debugDescription)")
            n += 1
        }
        #expect(n > 100)
        // Without weights and without vocab_only the folder is refused.
        #expect(throws: LlamaError.self) { _ = try Model(path: Self.hf + "smollm2-tokenizer") }
    }

    @Test func shardedEqualsUnsharded() throws {
        let one = try Model(path: Self.hf + "qwen2")
        let three = try Model(path: Self.hf + "qwen2-sharded")
        #expect(Set(three.gguf.storages.indices.map { $0 }).count >= 3)
        let tokens: [Int32] = [1, 40, 99, 7, 250, 3, 18]
        #expect(try Self.logits(one, tokens) == Self.logits(three, tokens))
    }

    @Test func bf16Folder() throws {
        let m = try Model(path: Self.hf + "qwen2-bf16")
        #expect(m.gguf.tensor(named: "blk.0.attn_q.weight")?.type == .bf16)
        let ref = try JSON.parse(file: Self.hf + "qwen2-bf16.json")
        for seq in ref["sequences"].array {
            let tokens = seq["tokens"].ints.map(Int32.init)
            let r = Self.relative(try Self.logits(m, tokens), seq["hf_logits"].array, vocab: m.vocabularySize)
            #expect(r < 1e-4, "bf16 len \(tokens.count): relative to HF \(r)")
        }
    }

    /// LoadOptions.quantizeTo (the C API's weight_type): the matrices become Q8_0 / Q4_0
    /// copies, each equal to the converter's encoding of the same floats, and the model
    /// still gives the F32 folder's logits within the type's rounding.
    @Test func quantizeAtLoad() throws {
        let f32 = try Model(path: Self.hf + "qwen2")
        let tokens: [Int32] = [1, 40, 99, 7, 250, 3, 18, 77]
        let want = try Self.logits(f32, tokens)
        let scale = want.reduce(0) { max($0, abs($1)) }
        for (type, tolerance) in [(WeightType.q8_0, Float(5e-2)), (.q4_0, 0.25)] {
            var o = LoadOptions()
            o.quantizeTo = type
            let m = try Model(path: Self.hf + "qwen2", options: o)
            #expect(m.gguf.tensor(named: "blk.1.ffn_down.weight")?.type == type)
            #expect(m.gguf.tensor(named: "blk.1.ffn_norm.weight")?.type == .f32)
            let out = TempDir.path("quantize-at-load-\(type).gguf")
            defer { unlink(out) }
            _ = try Converter.convert(input: Self.hf + "qwen2", output: out, outType: type, kvHeads: nil)
            // The folder as read (Model releases the quantized copies once repacked).
            let loaded = try CheckpointFolder.load(folder: Self.hf + "qwen2", quantizeTo: type)
            let g = try GGUFFile(path: out)
            for name in ["blk.0.attn_q.weight", "blk.1.ffn_down.weight", "token_embd.weight"] {
                let a = loaded.tensor(named: name)!, b = g.tensor(named: name)!
                #expect(a.byteCount == b.byteCount)
                #expect(memcmp(loaded.data(of: a), g.data(of: b), a.byteCount) == 0, "\(name) \(type)")
            }
            let d = Self.maxAbs(try Self.logits(m, tokens), want) / scale
            #expect(d < tolerance, "\(type): relative distance \(d)")
        }
        var bad = LoadOptions()
        bad.quantizeTo = .q4_1
        #expect(throws: LlamaError.self) { _ = try Model(path: Self.hf + "qwen2", options: bad) }
    }

    /// A folder converted to GGUF (every output type the writer has) loads and gives the
    /// folder's logits: exactly the same math for F32, within the type's rounding else.
    @Test(arguments: ["llama3-rope", "qwen2", "phi3", "gemma3"])
    func convertFolderToGGUF(name: String) throws {
        let folder = try Model(path: Self.hf + name)
        let tokens: [Int32] = [1, 40, 99, 7, 250, 3, 18, 77]
        let want = try Self.logits(folder, tokens)
        let scale = want.reduce(0) { max($0, abs($1)) }
        for (type, tolerance) in [(WeightType.f32, Float(1e-5)), (.f16, 5e-3), (.bf16, 5e-2), (.q8_0, 5e-2)] {
            let out = TempDir.path("convert-\(name)-\(type).gguf")
            defer { unlink(out) }
            _ = try Converter.convert(input: Self.hf + name, output: out, outType: type, kvHeads: nil)
            let m = try Model(path: out)
            #expect(m.config?.ropeStyle == m.config?.architecture.ropeStyle)
            let d = Self.maxAbs(try Self.logits(m, tokens), want) / scale
            #expect(d < tolerance, "\(name) \(type): relative distance \(d)")
        }
    }
}

/// `convert --kv-heads G` on the multi-head tiny LLaMA (hf/llama-mha): the pooled K/V are
/// numpy's mean exactly (F32), and the converted model gives the logits of HF's
/// LlamaForCausalLM built with num_key_value_heads = G from those weights, and llama.cpp's
/// on the same converted file (Tests/Fixtures/hf/llama-mha.json).
@Suite struct KVHeadPoolingTests {
    static var folder: String { TestPaths.fixtures + "/hf/llama-mha" }

    /// The rotate-half row order of a K matrix written in llama.cpp's adjacent-pair order
    /// (the inverse of Converter's permutation): GGUF row h·d + 2i + j is HF row h·d + j·d/2 + i.
    static func unpermute(_ x: [Float], heads: Int, d: Int, cols: Int) -> [Float] {
        var out = x
        for h in 0..<heads {
            for i in 0..<(d / 2) {
                for j in 0..<2 {
                    for c in 0..<cols { out[(h * d + j * d / 2 + i) * cols + c] = x[(h * d + 2 * i + j) * cols + c] }
                }
            }
        }
        return out
    }

    static func tensor(_ g: GGUFFile, _ name: String) -> [Float] {
        let t = g.tensor(named: name)!
        return Array(
            UnsafeBufferPointer(start: g.data(of: t).assumingMemoryBound(to: Float.self), count: t.elementCount))
    }

    @Test(arguments: [4, 2, 1])
    func pooledModelMatchesReferences(g: Int) throws {
        let ref = try JSON.parse(file: TestPaths.fixtures + "/hf/llama-mha.json")["kv_heads"][String(g)]
        let out = TempDir.path("mha-g\(g).gguf")
        defer { unlink(out) }
        let report = try Converter.convert(input: Self.folder, output: out, outType: .f32, kvHeads: g)
        #expect(report.headCountKV == g && report.pooledFrom == 4)
        let m = try Model(path: out)
        #expect(m.config?.headCountKV == g)
        // Exactly numpy's float32 mean.
        let v = Self.tensor(m.gguf, "blk.0.attn_v.weight")
        #expect(v == ref["layer0_v_pooled"].floats)
        let k = Self.unpermute(Self.tensor(m.gguf, "blk.0.attn_k.weight"), heads: g, d: 16, cols: 64)
        #expect(k == ref["layer0_k_pooled"].floats)
        #expect(!ref["layer0_k_pooled"].floats.isEmpty)
        for seq in ref["sequences"].array {
            let tokens = seq["tokens"].ints.map(Int32.init)
            let ours = try CheckpointFolderTests.logits(m, tokens)
            let hf = CheckpointFolderTests.relative(ours, seq["hf_logits"].array, vocab: m.vocabularySize)
            let lc = CheckpointFolderTests.relative(ours, seq["llamacpp_logits"].array, vocab: m.vocabularySize)
            #expect(hf < 1e-4, "G=\(g) len \(tokens.count): relative to HF \(hf)")
            #expect(lc < 1e-4, "G=\(g) len \(tokens.count): relative to llama.cpp \(lc)")
        }
    }

    /// A GGUF input (LLaMA, Q/K already permuted) pools the same: converting the folder
    /// to GGUF first, then pooling that file, gives the same K/V as pooling the folder.
    @Test func ggufInputPoolsLikeTheFolder() throws {
        let full = TempDir.path("mha-full.gguf"), a = TempDir.path("mha-a.gguf"), b = TempDir.path("mha-b.gguf")
        defer { unlink(full); unlink(a); unlink(b) }
        _ = try Converter.convert(input: Self.folder, output: full, outType: .f32, kvHeads: nil)
        _ = try Converter.convert(input: full, output: a, outType: .f32, kvHeads: 2)
        _ = try Converter.convert(input: Self.folder, output: b, outType: .f32, kvHeads: 2)
        let ga = try GGUFFile(path: a), gb = try GGUFFile(path: b)
        for name in ["blk.0.attn_k.weight", "blk.1.attn_v.weight", "blk.1.attn_q.weight"] {
            #expect(Self.tensor(ga, name) == Self.tensor(gb, name), "\(name)")
        }
    }

    @Test func badGroupCounts() throws {
        let out = TempDir.path("mha-bad.gguf")
        defer { unlink(out) }
        for g in [3, 5, 8] {
            #expect(throws: LlamaError.self) {
                _ = try Converter.convert(input: Self.folder, output: out, outType: nil, kvHeads: g)
            }
            #expect(access(out, F_OK) != 0)
        }
        // Q2_K (which convert cannot decode) is copied as it is, and refused where it would
        // have to be decoded; the hostile widths of a file are refused before any writing.
        let k = TempDir.path("q2k.gguf")
        defer { unlink(k) }
        let q2k = TestPaths.fixtures + "/tiny/k256-q2_k.gguf"
        _ = try Converter.convert(input: q2k, output: k, outType: nil, kvHeads: nil)
        #expect(try Model(path: k).gguf.tensors.contains { $0.type == .q2_K })
        #expect(throws: LlamaError.self) {
            _ = try Converter.convert(input: q2k, output: k, outType: .q8_0, kvHeads: nil)
        }
        // Phi-3's fused attn_qkv and a quantized input (requantized to Q8_0).
        let q = TempDir.path("phi3-kv1.gguf")
        defer { unlink(q) }
        _ = try Converter.convert(input: TestPaths.fixtures + "/arch/phi3.gguf", output: q, outType: .q8_0, kvHeads: 1)
        let m = try Model(path: q)
        #expect(m.config?.headCountKV == 1)
        #expect(m.weights?.blocks[0].wk.rows == 16)
    }
}

enum TempDir {
    static let base: String = {
        var t = Array("/tmp/llamaswift-tests-XXXXXX".utf8CString)
        let p = t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return p.map { String(cString: $0) } ?? "/tmp"
    }()

    static func path(_ name: String) -> String { base + "/" + name }
}
