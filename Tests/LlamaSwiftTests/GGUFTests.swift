import Testing
@testable import LlamaSwiftEngine

/// GGUF parsing: real files, and a table of corrupt files that must each give FORMAT.
@Suite struct GGUFTests {
    @Test(arguments: ["llama-spm", "phi-3", "llama-bpe", "gpt-2", "qwen2"])
    func parsesVocabularyFiles(name: String) throws {
        let path = TestPaths.vocab + "/ggml-vocab-\(name).gguf"
        #expect(TestPaths.exists(path), "missing \(path): run scripts/fetch-testdata.sh")
        let f = try GGUFFile(path: path)
        #expect(f.version == 3 || f.version == 2)
        let tokens = try #require(f.metadata["tokenizer.ggml.tokens"]?.stringArray)
        #expect(tokens.count > 30000)
        #expect(try f.string("tokenizer.ggml.model") != nil)
    }

    @Test func parsesTheRealModel() throws {
        let f = try GGUFFile(path: TestPaths.model)
        #expect(f.version == 3)
        #expect(f.tensors.count == 272)
        #expect(f.dataOffset == 1_785_664)
        #expect(f.alignment == 32)
        #expect(f.tensors.filter { $0.type == .q4_1 }.count == 210)
        #expect(f.tensors.filter { $0.type == .f32 }.count == 61)
        #expect(f.tensor(named: "token_embd.weight")?.type == .q8_0)
        #expect(f.tensor(named: "token_embd.weight")?.dims == [576, 49152])
        #expect(try f.string("tokenizer.ggml.pre") == "smollm")
        #expect(try f.integer("llama.block_count") == 30)
        let m = try Model(path: TestPaths.model)
        let c = try #require(m.config)
        #expect(c.blockCount == 30 && c.embeddingLength == 576 && c.headCount == 9 && c.headCountKV == 3)
        #expect(c.vocabularySize == 49152 && c.feedForwardLength == 1536 && c.ropeFreqBase == 100000)
        #expect(m.weights?.output.name == "token_embd.weight")  // tied
    }

    @Test func rendersMetadata() throws {
        let f = try GGUFFile(path: TestPaths.model)
        #expect(f.metadata["general.architecture"]?.rendered == "llama")
        #expect(f.metadata["llama.rope.freq_base"]?.rendered == "100000.0")
        let toks = try #require(f.metadata["tokenizer.ggml.tokens"]?.rendered)
        #expect(toks.hasPrefix("[string × 49152] [\""))
    }

    static func sample() -> GGUFBuilder {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        b.add("general.alignment", u32: 32)
        b.add("some.floats", floats: [1, 2, 3])
        b.add("some.names", strings: ["a", "bc"])
        b.addTensor("t0", dims: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        b.addTensor("t1", dims: [3], floats: [1, 2, 3])
        return b
    }

    @Test func sampleParses() throws {
        let (bytes, _, dataOffset) = Self.sample().build()
        let file = TempFile(bytes)
        defer { file.remove() }
        let f = try GGUFFile(path: file.path)
        #expect(f.tensors.count == 2 && f.dataOffset == dataOffset)
        #expect(f.tensor(named: "t1")?.byteCount == 12)
        #expect(f.metadata["some.names"]?.rendered == "[string × 2] [\"a\", \"bc\"]")
    }

    /// Expects `bytes` to be rejected with FORMAT (or UNSUPPORTED for unknown types).
    func expectRejected(_ bytes: [UInt8], _ what: String, kind: LlamaError.Kind = .format, fragment: String? = nil) {
        let file = TempFile(bytes)
        defer { file.remove() }
        do {
            _ = try GGUFFile(path: file.path)
            Issue.record("\(what): parsed without error")
        } catch let e as LlamaError {
            #expect(e.kind == kind, "\(what): \(e.kind) \(e.message)")
            if let fragment { #expect(e.message.contains(fragment), "\(what): message '\(e.message)'") }
        } catch {
            Issue.record("\(what): unexpected error \(error)")
        }
    }

    @Test func truncatedAtEveryLength() {
        let (bytes, _, _) = Self.sample().build()
        // Every prefix shorter than the last tensor's end must fail; none may crash.
        let lastEnd = bytes.count
        for n in 0..<lastEnd {
            let file = TempFile(Array(bytes.prefix(n)))
            defer { file.remove() }
            do {
                _ = try GGUFFile(path: file.path)
                Issue.record("prefix of \(n) bytes parsed")
            } catch let e as LlamaError {
                #expect(e.kind == .format, "prefix \(n): \(e.message)")
            } catch {
                Issue.record("prefix \(n): \(error)")
            }
        }
    }

    @Test func corruptHeaderFields() {
        let (good, infoOffset, _) = Self.sample().build()
        func patched(_ at: Int, _ v: [UInt8]) -> [UInt8] {
            var b = good
            for (i, x) in v.enumerated() { b[at + i] = x }
            return b
        }
        expectRejected(patched(0, Array("GGUG".utf8)), "bad magic", fragment: "not a GGUF file")
        expectRejected(patched(4, GGUFBuilder.le(UInt32(1))), "version 1", fragment: "version 1")
        expectRejected(patched(4, GGUFBuilder.le(UInt32(4))), "version 4", fragment: "version 4")
        expectRejected(patched(8, GGUFBuilder.le(UInt64.max)), "huge tensor count", fragment: "tensor count")
        expectRejected(patched(16, GGUFBuilder.le(UInt64(1) << 60)), "huge metadata count", fragment: "metadata count")
        expectRejected(patched(24, GGUFBuilder.le(UInt64.max - 3)), "huge key length", fragment: "string length")
        // First key is "general.architecture" (20 bytes): its type follows at 24+8+20.
        expectRejected(patched(52, GGUFBuilder.le(UInt32(13))), "unknown value type", fragment: "unknown value type")
        // Its string value length.
        expectRejected(patched(56, GGUFBuilder.le(UInt64(1) << 40)), "huge string length", fragment: "string length")
        // Tensor 0: name "t0" (8+2 bytes) then n_dims.
        let t0 = infoOffset
        expectRejected(patched(t0 + 10, GGUFBuilder.le(UInt32(9))), "9 dimensions", fragment: "dimensions")
        expectRejected(patched(t0 + 14, GGUFBuilder.le(UInt64(0))), "zero dimension", fragment: "dimension 0")
        expectRejected(patched(t0 + 14, GGUFBuilder.le(UInt64.max)), "huge dimension", fragment: "out of range")
        expectRejected(
            patched(t0 + 14, GGUFBuilder.le(UInt64(Int32.max))), "dimension product beyond file", fragment: "t0")
        expectRejected(patched(t0 + 30, GGUFBuilder.le(UInt32(2))), "Q4_0 row of 4 elements", fragment: "block size")
        expectRejected(
            patched(t0 + 30, GGUFBuilder.le(UInt32(99))), "unknown type", kind: .unsupported,
            fragment: "unknown ggml type")
        expectRejected(patched(t0 + 34, GGUFBuilder.le(UInt64(4096))), "offset past the end", fragment: "past the end")
        expectRejected(patched(t0 + 34, GGUFBuilder.le(UInt64(4))), "misaligned offset", fragment: "aligned")
        expectRejected(patched(t0 + 34, GGUFBuilder.le(UInt64.max)), "huge offset", fragment: "t0")
    }

    @Test func badAlignmentAndNesting() {
        var b = Self.sample()
        b.kv[1] = ("general.alignment", 4, GGUFBuilder.le(UInt32(24)))
        expectRejected(b.build().bytes, "alignment 24", fragment: "power of two")
        b.kv[1] = ("general.alignment", 4, GGUFBuilder.le(UInt32(0)))
        expectRejected(b.build().bytes, "alignment 0", fragment: "power of two")
        // Arrays nested 100 deep.
        var nest = GGUFBuilder()
        var v: [UInt8] = GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(0))
        for _ in 0..<100 { v = GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) + v }
        nest.kv.append(("deep", 9, v))
        expectRejected(nest.build().bytes, "deep nesting", fragment: "nested")
        // Duplicate keys and tensor names.
        var dup = Self.sample()
        dup.add("general.architecture", string: "x")
        expectRejected(dup.build().bytes, "duplicate key", fragment: "duplicate")
        var dupT = Self.sample()
        dupT.addTensor("t1", dims: [1], floats: [0])
        expectRejected(dupT.build().bytes, "duplicate tensor", fragment: "duplicate")
    }

    @Test func notAFileAndMissing() {
        #expect(throws: LlamaError.self) { try GGUFFile(path: "/nonexistent/x.gguf") }
        do {
            _ = try GGUFFile(path: "/nonexistent/x.gguf")
        } catch let e as LlamaError {
            #expect(e.kind == .io && e.message.contains("/nonexistent/x.gguf"))
        } catch {}
        expectRejected([], "empty file", fragment: "empty")
    }

    /// Model-level validation: missing tensors, wrong shapes, other architectures.
    @Test func modelValidation() throws {
        func model(_ b: GGUFBuilder) throws -> Model {
            let file = TempFile(b.build().bytes)
            defer { file.remove() }
            return try Model(path: file.path)
        }
        var b = Self.sample()
        b.kv[0] = ("general.architecture", 8, GGUFBuilder.str("gpt2"))
        #expect { try model(b) } throws: { ($0 as? LlamaError)?.kind == .unsupported && "\($0)".contains("gpt2") }
        var c = TinyModelFile.builder()
        c.tensors.removeAll { $0.name == "blk.0.ffn_up.weight" }
        #expect { try model(c) } throws: {
            ($0 as? LlamaError)?.kind == .format && "\($0)".contains("blk.0.ffn_up.weight")
        }
        var d = TinyModelFile.builder()
        if let i = d.tensors.firstIndex(where: { $0.name == "blk.0.attn_k.weight" }) { d.tensors[i].dims = [8, 8] }
        #expect { try model(d) } throws: { ($0 as? LlamaError)?.kind == .format && "\($0)".contains("attn_k") }
        var e = TinyModelFile.builder()
        if let i = e.tensors.firstIndex(where: { $0.name == "blk.0.attn_q.weight" }) {
            e.tensors[i].type = 15  // Q8_K: known geometry, not computable
            e.tensors[i].dims = [256, 1]
        }
        #expect { try model(e) } throws: { ($0 as? LlamaError) != nil }
        _ = try model(TinyModelFile.builder())
    }
}

/// A minimal valid LLaMA model file (random-free: deterministic small weights).
enum TinyModelFile {
    static func builder(
        embd: Int = 8, heads: Int = 2, kvHeads: Int = 1, ff: Int = 16, layers: Int = 1, vocab: Int = 8
    )
        -> GGUFBuilder
    {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        b.add("llama.context_length", u32: 32)
        b.add("llama.embedding_length", u32: UInt32(embd))
        b.add("llama.block_count", u32: UInt32(layers))
        b.add("llama.feed_forward_length", u32: UInt32(ff))
        b.add("llama.attention.head_count", u32: UInt32(heads))
        b.add("llama.attention.head_count_kv", u32: UInt32(kvHeads))
        b.add("tokenizer.ggml.model", string: "llama")
        b.add("tokenizer.ggml.tokens", strings: (0..<vocab).map { "t\($0)" })
        b.add("tokenizer.ggml.scores", floats: (0..<vocab).map { Float(-$0) })
        b.add("tokenizer.ggml.token_type", i32s: (0..<vocab).map { _ in 1 })
        var seed: UInt32 = 1
        func vals(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                seed = seed &* 1_103_515_245 &+ 12345
                return Float(Int(seed >> 16) % 200 - 100) / 400
            }
        }
        let hd = embd / heads
        b.addTensor("token_embd.weight", dims: [UInt64(embd), UInt64(vocab)], floats: vals(embd * vocab))
        b.addTensor("output_norm.weight", dims: [UInt64(embd)], floats: Array(repeating: 1, count: embd))
        for l in 0..<layers {
            let p = "blk.\(l)."
            b.addTensor(p + "attn_norm.weight", dims: [UInt64(embd)], floats: Array(repeating: 1, count: embd))
            b.addTensor(p + "attn_q.weight", dims: [UInt64(embd), UInt64(embd)], floats: vals(embd * embd))
            b.addTensor(
                p + "attn_k.weight", dims: [UInt64(embd), UInt64(kvHeads * hd)], floats: vals(embd * kvHeads * hd))
            b.addTensor(
                p + "attn_v.weight", dims: [UInt64(embd), UInt64(kvHeads * hd)], floats: vals(embd * kvHeads * hd))
            b.addTensor(p + "attn_output.weight", dims: [UInt64(embd), UInt64(embd)], floats: vals(embd * embd))
            b.addTensor(p + "ffn_norm.weight", dims: [UInt64(embd)], floats: Array(repeating: 1, count: embd))
            b.addTensor(p + "ffn_gate.weight", dims: [UInt64(embd), UInt64(ff)], floats: vals(embd * ff))
            b.addTensor(p + "ffn_up.weight", dims: [UInt64(embd), UInt64(ff)], floats: vals(embd * ff))
            b.addTensor(p + "ffn_down.weight", dims: [UInt64(ff), UInt64(embd)], floats: vals(embd * ff))
        }
        return b
    }
}
