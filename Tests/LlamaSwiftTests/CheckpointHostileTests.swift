import Testing
#if canImport(Glibc)
    import Glibc
#endif
@testable import LlamaSwiftEngine

/// Hostile checkpoint folders: each broken file is an error of the stated kind naming
/// the problem, never a crash (issue 23's list: truncated safetensors, a header length
/// past the file, overlapping or out-of-range offsets, wrong dtypes, 100 MB of nested
/// JSON, a missing shard), plus the JSON parser's grammar and limits.
@Suite struct CheckpointHostileTests {
    static let source = TestPaths.fixtures + "/hf/qwen2"

    static func write(_ path: String, _ bytes: [UInt8]) {
        let f = fopen(path, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
    }

    static func read(_ path: String) throws -> [UInt8] { try TestData.read(path) }

    /// A fresh copy of hf/qwen2 in a temporary folder.
    static func folder(_ name: String) throws -> String {
        let d = TempDir.path("hostile-" + name)
        mkdir(d, 0o755)
        for f in [
            "config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "model.safetensors",
        ] {
            write(d + "/" + f, try read(source + "/" + f))
        }
        return d
    }

    /// Removes the temporary folders `names` (hostile-<name>): the nested-JSON cases write
    /// 200 MB.
    static func remove(_ names: [String]) {
        for n in names { _ = system("rm -rf '\(TempDir.path("hostile-" + n))'") }
    }

    /// A safetensors file from a header string and data bytes.
    static func safetensors(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
        return out + h + data
    }

    static func expectError(_ path: String, _ kind: LlamaError.Kind, _ fragment: String) {
        do {
            _ = try Model(path: path)
            Issue.record("loaded '\(path)', expected \(kind) mentioning '\(fragment)'")
        } catch let e as LlamaError {
            #expect(e.kind == kind, "\(e.message)")
            #expect(e.message.contains(fragment), "message '\(e.message)' lacks '\(fragment)'")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func brokenSafetensors() throws {
        let good = try Self.read(Self.source + "/model.safetensors")
        let cases: [(String, [UInt8], LlamaError.Kind, String)] = [
            ("truncated", Array(good.prefix(good.count / 2)), .format, "out of range"),
            ("short", [1, 2, 3], .format, "too short"),
            ("length-past-end", Self.safetensors("{}", length: 1 << 20), .format, "past the end"),
            ("length-huge", Self.safetensors("{}", length: UInt64.max), .format, "out of range"),
            ("not-json", Self.safetensors("{\"a\": nope}"), .format, "invalid JSON"),
            ("not-object", Self.safetensors("[1, 2]"), .format, "not a JSON object"),
            (
                "overlap",
                Self.safetensors(
                    #"{"model.embed_tokens.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"model.norm.weight":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
                    data: [UInt8](repeating: 0, count: 16)), .format, "overlap"
            ),
            (
                "out-of-range",
                Self.safetensors(
                    #"{"model.norm.weight":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
                    data: [UInt8](repeating: 0, count: 8)), .format, "out of range"
            ),
            (
                "size-mismatch",
                Self.safetensors(
                    #"{"model.norm.weight":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#,
                    data: [UInt8](repeating: 0, count: 16)), .format, "needs 12"
            ),
            (
                "negative",
                Self.safetensors(
                    #"{"model.norm.weight":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#,
                    data: [UInt8](repeating: 0, count: 16)), .format, "out of range"
            ),
            (
                "unknown-dtype",
                Self.safetensors(
                    #"{"model.norm.weight":{"dtype":"Q9","shape":[4],"data_offsets":[0,16]}}"#,
                    data: [UInt8](repeating: 0, count: 16)), .format, "unknown dtype 'Q9'"
            ),
            (
                "int-dtype",
                Self.safetensors(
                    #"{"model.norm.weight":{"dtype":"I32","shape":[4],"data_offsets":[0,16]}}"#,
                    data: [UInt8](repeating: 0, count: 16)), .unsupported, "dtype I32"
            ),
            (
                "unknown-tensor",
                Self.safetensors(
                    #"{"model.vision_tower.weight":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
                    data: [UInt8](repeating: 0, count: 16)), .unsupported, "model.vision_tower.weight"
            ),
        ]
        defer { Self.remove(cases.map { $0.0 }) }
        for (name, bytes, kind, fragment) in cases {
            let d = try Self.folder(name)
            Self.write(d + "/model.safetensors", bytes)
            Self.expectError(d, kind, fragment)
        }
    }

    @Test func brokenJSONFiles() throws {
        defer { Self.remove(["nested", "huge-config", "arch", "unigram", "spm", "noweights", "noconfig"]) }
        // 100 MB of nested arrays as tokenizer.json: refused at depth 65, not recursed into.
        let d = try Self.folder("nested")
        Self.write(d + "/tokenizer.json", [UInt8](repeating: UInt8(ascii: "["), count: 100 << 20))
        Self.expectError(d, .format, "nested deeper than 64")
        // 100 MB as config.json: over its 16 MiB limit.
        let c = try Self.folder("huge-config")
        Self.write(c + "/config.json", [UInt8](repeating: UInt8(ascii: " "), count: 100 << 20))
        Self.expectError(c, .format, "more than the")
        // Not an architecture the engine runs.
        let a = try Self.folder("arch")
        var cfg = String(decoding: try Self.read(a + "/config.json"), as: UTF8.self)
        cfg = cfg.replacingOccurrences("Qwen2ForCausalLM", "BertModel")
        Self.write(a + "/config.json", Array(cfg.utf8))
        Self.expectError(a, .unsupported, "BertModel")
        // A tokenizer model the engine does not run.
        let u = try Self.folder("unigram")
        Self.write(u + "/tokenizer.json", Array(#"{"model": {"type": "Unigram", "vocab": []}}"#.utf8))
        Self.expectError(u, .unsupported, "Unigram")
        // tokenizer.model only.
        let s = try Self.folder("spm")
        unlink(s + "/tokenizer.json")
        Self.write(s + "/tokenizer.model", [0x0a, 0x00])
        Self.expectError(s, .unsupported, "tokenizer.model")
        // No weights at all; no config.
        let w = try Self.folder("noweights")
        unlink(w + "/model.safetensors")
        Self.expectError(w, .io, "neither model.safetensors")
        let n = try Self.folder("noconfig")
        unlink(n + "/config.json")
        Self.expectError(n, .io, "config.json")
    }

    @Test func brokenShards() throws {
        let sharded = TestPaths.fixtures + "/hf/qwen2-sharded"
        func copy(_ name: String) throws -> String {
            let d = TempDir.path("hostile-" + name)
            mkdir(d, 0o755)
            for f in [
                "config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors.index.json",
                "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors",
            ] {
                Self.write(d + "/" + f, try Self.read(sharded + "/" + f))
            }
            return d
        }
        defer { Self.remove(["missing-shard", "escape", "moved"]) }
        let missing = try copy("missing-shard")
        unlink(missing + "/model-00002-of-00003.safetensors")
        Self.expectError(missing, .io, "model-00002-of-00003.safetensors")
        let escape = try copy("escape")
        var idx = String(decoding: try Self.read(escape + "/model.safetensors.index.json"), as: UTF8.self)
        idx = idx.replacingOccurrences("model-00003-of-00003.safetensors", "../x.safetensors")
        Self.write(escape + "/model.safetensors.index.json", Array(idx.utf8))
        Self.expectError(escape, .format, "invalid shard")
        let moved = try copy("moved")
        var idx2 = String(decoding: try Self.read(moved + "/model.safetensors.index.json"), as: UTF8.self)
        idx2 = idx2.replacingOccurrences(
            "\"model.norm.weight\": \"model-00003-of-00003.safetensors\"",
            "\"model.norm.weight\": \"model-00001-of-00003.safetensors\"")
        Self.write(moved + "/model.safetensors.index.json", Array(idx2.utf8))
        Self.expectError(moved, .format, "model.norm.weight")
    }

    @Test func jsonGrammar() throws {
        func parse(_ s: String) throws -> LlamaSwiftEngine.JSONValue {
            try JSONParser.parse(Array(s.utf8), what: "test")
        }
        #expect(try parse(#"{"a": [1, -2.5e3, true, null, "x\u00e9\ud83d\ude00"]}"#)["a"]?.array?.count == 5)
        #expect(try parse(#""\ud83d\ude00""#).bytes == Array("😀".utf8))
        #expect(try parse(#""\ud83d""#).bytes == Array("\u{FFFD}".utf8))
        #expect(try parse("123456789012").integer == 123_456_789_012)
        #expect(try parse("1.5").double == 1.5)
        for bad in [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "NaN", "\"\u{01}\"", "\"\\x\"", "[1] 2", "tru",
            "\"abc", "{\"a\" 1}", "1e999", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        ] {
            #expect(throws: LlamaError.self, "\(bad.prefix(20))") { _ = try parse(bad) }
        }
        _ = try parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = "", rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
