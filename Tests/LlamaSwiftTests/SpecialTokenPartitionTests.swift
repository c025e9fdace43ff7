import Testing
@testable import LlamaSwiftEngine

/// Issue 15, item 8: the one-pass special-token partition (`Tokenizer.partition`) gives
/// exactly what llama.cpp's per-token scanning gives (`ScanningPartition`, the old code),
/// on hand-picked and random hostile vocabularies, and stays fast on the vocabularies and
/// texts that made the scanning quadratic.
@Suite struct SpecialTokenPartitionTests {
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// A vocabulary: SentencePiece ("llama") or byte-level ("gpt2"); `special` are (text,
    /// GGUF token type: 2 unknown, 3 control, 4 user-defined). `name` "phi-3" gives every
    /// special token rstrip (llama.cpp's rule); pre "jina-v2-de" gives "<mask>" lstrip.
    static func vocabulary(
        spm: Bool, name: String = "test", pre: String = "gpt-2", normal: [String], special: [(String, Int32)]
    ) throws -> Tokenizer {
        var g = GGUFBuilder()
        g.add("general.architecture", string: "llama")
        g.add("general.name", string: name)
        var texts: [String] = [], types: [Int32] = []
        if spm {
            texts = ["<unk>", "<s>", "</s>"]
            types = [2, 3, 3]
            g.add("tokenizer.ggml.model", string: "llama")
        } else {
            g.add("tokenizer.ggml.model", string: "gpt2")
            g.add("tokenizer.ggml.pre", string: pre)
        }
        texts += normal
        types += normal.map { _ in 1 }
        texts += special.map(\.0)
        types += special.map(\.1)
        g.add("tokenizer.ggml.tokens", strings: texts)
        g.add("tokenizer.ggml.token_type", i32s: types)
        if spm {
            g.add("tokenizer.ggml.scores", floats: texts.map { _ in 0 })
        } else {
            g.add("tokenizer.ggml.merges", strings: [])
        }
        let file = TempFile(g.build().bytes, name: "partition")
        defer { file.remove() }
        return try Tokenizer(gguf: try GGUFFile(path: file.path))
    }

    @Test func longerTokenWinsWhereAShorterStartsEarlier() throws {
        let t = try Self.vocabulary(spm: true, normal: ["a", "b", "c", "d"], special: [("bcd", 4), ("ab", 4)])
        let bcd = Int32(3 + 4), ab = Int32(3 + 5)
        #expect(try ScanningPartition.fast(t, Array("abcd".utf8), parseSpecial: false) == [.text(0, 1), .token(bcd)])
        #expect(ScanningPartition.partition(t, Array("abcd".utf8), parseSpecial: false) == [.text(0, 1), .token(bcd)])
        #expect(
            try ScanningPartition.fast(t, Array("abcab".utf8), parseSpecial: false) == [
                .token(ab), .text(2, 3), .token(ab),
            ])
    }

    @Test func controlTokensOnlyWithParseSpecial() throws {
        let t = try Self.vocabulary(spm: true, normal: ["a", "b"], special: [("aa", 3), ("ab", 4)])
        let aa = Int32(5), ab = Int32(6)
        #expect(try ScanningPartition.fast(t, Array("aab".utf8), parseSpecial: true) == [.token(aa), .text(2, 3)])
        #expect(try ScanningPartition.fast(t, Array("aab".utf8), parseSpecial: false) == [.text(0, 1), .token(ab)])
    }

    /// Random vocabularies over a 5-letter alphabet (duplicates, prefixes, suffixes and
    /// self-overlapping texts; control, user-defined, unknown; rstrip and lstrip) and
    /// random texts built from pieces of them: equal to the scanning partition, both flags.
    @Test func randomCasesEqualTheScanningPartition() throws {
        var g = SplitMix64(state: 15)
        let alphabet: [Character] = ["a", "b", " ", "\n", "c"]
        var checked = 0
        for round in 0..<300 {
            var special: [(String, Int32)] = []
            for _ in 0..<1 + g.below(14) {
                let len = 1 + g.below(g.below(4) == 0 ? 9 : 4)
                special.append(
                    (String((0..<len).map { _ in alphabet[g.below(alphabet.count)] }), [3, 4, 4, 2][g.below(4)]))
            }
            let mode = round % 3  // 0 plain, 1 phi-3 (rstrip), 2 jina (<mask> lstrip)
            if mode == 2 { special.append(("<mask>", 4)) }
            let t = try Self.vocabulary(
                spm: mode != 2, name: mode == 1 ? "phi-3" : "test", pre: "jina-v2-de",
                normal: ["a", "b", "c", " ", "\n", "<", ">", "m", "s", "k"], special: special)
            for _ in 0..<20 {
                var text: [UInt8] = []
                for _ in 0..<g.below(12) {
                    if g.below(2) == 0 {
                        text += Array(special[g.below(special.count)].0.utf8)
                    } else {
                        for _ in 0..<1 + g.below(4) { text += Array(String(alphabet[g.below(alphabet.count)]).utf8) }
                    }
                }
                for parse in [false, true] {
                    let want = ScanningPartition.partition(t, text, parseSpecial: parse)
                    let got = try ScanningPartition.fast(t, text, parseSpecial: parse)
                    #expect(got == want, "round \(round) specials \(special) text \(Array(text)) parse \(parse)")
                    checked += 1
                }
            }
        }
        #expect(checked == 300 * 20 * 2)
    }

    /// Real vocabularies: random mixtures of their special tokens and text.
    @Test(arguments: ["ggml-vocab-phi-3.gguf", "ggml-vocab-llama-bpe.gguf", "ggml-vocab-qwen2.gguf"])
    func realVocabulariesEqualTheScanningPartition(_ name: String) throws {
        let path = TestPaths.vocab + "/" + name
        guard TestPaths.exists(path) else { return }
        let t = try Tokenizer(gguf: try GGUFFile(path: path))
        var g = SplitMix64(state: 8)
        let filler = [" ", "\n", "a", "  ", "<", "|", ">", "end", "<|", "|>"]
        for _ in 0..<200 {
            var text: [UInt8] = []
            for _ in 0..<g.below(10) {
                if g.below(2) == 0 {
                    let id = t.specialTokens[g.below(t.specialTokens.count)]
                    text += Array(t.texts[checked: Int(id)]!)
                } else {
                    text += Array(filler[g.below(filler.count)].utf8)
                }
            }
            for parse in [false, true] {
                #expect(
                    try ScanningPartition.fast(t, text, parseSpecial: parse)
                        == ScanningPartition.partition(t, text, parseSpecial: parse))
            }
        }
    }

    /// llama.cpp's own token ids (Tests/Fixtures/partition-refs.json, from
    /// scripts/ref/make_partition_refs.py) for 60 random hostile vocabularies × 15 texts ×
    /// both parse_special values: equal, and the scanning oracle agrees.
    @Test func randomVocabulariesEqualLlamaCpp() throws {
        let f = try JSON.parse(file: TestData.fixturesDirectory + "/partition-refs.json")
        let normal = f["normal"].array.compactMap(\.string)
        var compared = 0
        for c in f["cases"].array {
            let specials = c["specials"].array.map { ($0[0].string ?? "", Int32($0[1].int ?? 0)) }
            let t = try Self.vocabulary(spm: true, name: c["name"].string ?? "", normal: normal, special: specials)
            for x in c["texts"].array {
                let text = try #require(x["text"].string)
                let parse = try #require(x["parse_special"].bool)
                let want = x["ids"].ints.map(Int32.init)
                #expect(
                    try t.tokenize(text, addSpecial: false, parseSpecial: parse) == want,
                    "\(specials) \(Array(text.utf8)) \(parse)")
                #expect(
                    try ScanningPartition.fast(t, Array(text.utf8), parseSpecial: parse)
                        == ScanningPartition.partition(t, Array(text.utf8), parseSpecial: parse))
                compared += 1
            }
        }
        #expect(compared == 1800)
    }

    /// The vocabulary bound: special-token texts may total 1 MiB (a 1 MB token is fine and
    /// matched in one pass — the old scanning compared it at every position: 2.7 s for
    /// 1.1 MB of text); one byte more is refused at load.
    @Test func specialTextBound() throws {
        let big = String(repeating: "a", count: 999_999) + "b"
        let t = try Self.vocabulary(spm: true, normal: ["a", "b"], special: [(big, 4)])
        let text = Array(String(repeating: "a", count: 1_100_000).utf8) + Array("b".utf8)
        #expect(try ScanningPartition.fast(t, text, parseSpecial: false) == [.text(0, 100_001), .token(3 + 2)])
        let over = String(repeating: "c", count: (1 << 20) - 21)  // + <unk> <s> </s>: 12 bytes
        #expect(throws: LlamaError.self) {
            try Self.vocabulary(spm: true, normal: ["a"], special: [(over, 4), ("0123456789", 3)])
        }
        _ = try Self.vocabulary(spm: true, normal: ["a"], special: [(over, 4), ("012345678", 3)])
    }
}
