import Testing

@testable import LlamaSwift

/// llama.cpp's tokenizer test vectors (tests/test-tokenizer-0: `.inp` holds strings separated
/// by "\n__ggml_vocab_test__\n", `.out` line i the ids of string i, without BOS and without
/// parsing special tokens). Files come from scripts/fetch-testdata.sh.
@Suite struct TokenizerVectorTests {
    static let vocabularies = ["llama-spm", "phi-3", "llama-bpe", "gpt-2", "qwen2"]

    struct Case {
        var text: [UInt8]
        var ids: [Int32]
    }

    static func cases(_ name: String) throws -> [Case] {
        let base = TestData.vocabDirectory + "/ggml-vocab-\(name).gguf"
        let inp = try TestData.read(base + ".inp")
        let out = try TestData.read(base + ".out")
        // Split like test-tokenizer-0.cpp's read_tests: no piece after a final separator.
        let sep = Array("\n__ggml_vocab_test__\n".utf8)
        var texts: [[UInt8]] = []
        var pos = 0
        while pos < inp.count {
            var next = -1
            var j = pos
            while j + sep.count <= inp.count {
                if inp[j] == sep[0] && Array(inp[j ..< j + sep.count]) == sep {
                    next = j
                    break
                }
                j += 1
            }
            if next < 0 {
                texts.append(Array(inp[pos...]))
                break
            }
            texts.append(Array(inp[pos ..< next]))
            pos = next + sep.count
        }
        var lines = out.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        #expect(texts.count == lines.count, "\(name): \(texts.count) inputs but \(lines.count) output lines")
        return zip(texts, lines).map { text, line in
            let ids = line.split(separator: 0x20).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
            return Case(text: text, ids: ids)
        }
    }

    @Test(arguments: vocabularies)
    func idsMatchLlamaCpp(_ name: String) throws {
        let tokenizer = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-\(name).gguf")
        let cases = try Self.cases(name)
        #expect(cases.count == 46)
        var passed = 0
        for (i, c) in cases.enumerated() {
            let ids = try c.text.withUnsafeBytes { try tokenizer.tokenize($0, addSpecial: false, parseSpecial: false) }
            if ids == c.ids {
                passed += 1
            } else {
                Issue.record(
                    "\(name) case \(i) '\(String(decoding: c.text, as: UTF8.self))': got \(ids), expected \(c.ids)")
            }
        }
        #expect(passed == cases.count, "\(name): \(passed)/\(cases.count)")
    }

    /// Detokenizing the reference ids gives the text back — after llama.cpp's
    /// clean_up_tokenization_spaces for the vocabularies that use it (GPT-2, LLaMA 3),
    /// which removes e.g. the space in " ?".
    @Test(arguments: vocabularies)
    func detokenizeRoundTrips(_ name: String) throws {
        let tokenizer = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-\(name).gguf")
        for (i, c) in try Self.cases(name).enumerated() {
            var expected = c.text
            if tokenizer.cleanSpaces { Tokenizer.cleanSpaces(&expected) }
            let text = try tokenizer.detokenize(c.ids)
            #expect(text == expected, "\(name) case \(i): '\(String(decoding: text, as: UTF8.self))'")
        }
    }

    /// Invalid UTF-8 and NUL, with ids from llama-cpp-python 0.3.36 (`Llama.tokenize(bytes,
    /// add_bos=False, special=False)`): SentencePiece sees raw bytes (a lead byte swallows
    /// the announced length, then byte fallback); byte-level BPE reads each bad byte as
    /// U+FFFD and accepts overlong forms and surrogates as they decode.
    @Test(arguments: vocabularies)
    func invalidUTF8MatchesLlamaCpp(_ name: String) throws {
        let inputs: [[UInt8]] = [
            [0x61, 0xFF, 0x62], [0xC3], [0x78, 0x00, 0x79], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0x20, 0xE2, 0x82],
        ]
        let spm: [[Int32]] = [
            [263, 258, 101], [29871, 198], [921, 3, 29891], [29871, 240, 163, 131], [29871, 195, 131], [259, 229, 133],
        ]
        let expected: [String: [[Int32]]] = [
            "llama-spm": spm,
            "phi-3": spm,
            "llama-bpe": [[64, 5809, 65], [5809], [87, 188, 88], [169, 64319], [188], [220, 10178]],
            "qwen2": [[64, 5691, 65], [5691], [87, 188, 88], [169, 63219], [188], [220, 9973]],
            "gpt-2": [[64, 4210, 65], [4210], [87, 188, 88], [169, 254, 222], [188], [220, 6353]],
        ]
        let tokenizer = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-\(name).gguf")
        let want = try #require(expected[name])
        for (input, ids) in zip(inputs, want) {
            let got = try input.withUnsafeBytes { try tokenizer.tokenize($0, addSpecial: false, parseSpecial: false) }
            #expect(got == ids, "\(name) \(input)")
        }
    }

    @Test func vocabularyProperties() throws {
        let spm = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-llama-spm.gguf")
        #expect(spm.vocabularySize == 32000)
        #expect(spm.bos == 1 && spm.eos == 2 && spm.addBOS && !spm.addEOS)
        #expect(try spm.tokenize("Hello world", addSpecial: true) == [1, 15043, 3186])
        #expect(spm.isEndOfGeneration(2) && !spm.isEndOfGeneration(1))
        #expect(spm.isControl(1) && !spm.isControl(15043))
        #expect(spm.piece(for: 13) == [0x0A])  // <0x0A>
        #expect(spm.piece(for: 1) == Array("<s>".utf8))
        #expect(spm.piece(for: 1, renderSpecial: false) == [])
        #expect(spm.piece(for: 32000) == nil && spm.piece(for: -1) == nil)
        #expect(throws: LlamaError.self) { try spm.detokenize([32000]) }

        let llama3 = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-llama-bpe.gguf")
        #expect(llama3.addBOS && llama3.bos == 128000)
        #expect(llama3.isEndOfGeneration(128009) && llama3.isEndOfGeneration(128001))
        #expect(llama3.eot == 128009)
        #expect((0 ..< Int32(llama3.vocabularySize)).filter { llama3.isEndOfGeneration($0) } == [128001, 128009])
        let phi3 = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-phi-3.gguf")
        #expect(phi3.eot == 32007)
        #expect((0 ..< Int32(phi3.vocabularySize)).filter { phi3.isEndOfGeneration($0) } == [2, 32000, 32007])
        #expect(try llama3.tokenize("<|eot_id|>", parseSpecial: true) == [128009])
        #expect(try llama3.tokenize("<|eot_id|>", parseSpecial: false) != [128009])

        let qwen = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-qwen2.gguf")
        #expect(!qwen.addBOS && qwen.eot == 151645)
        // llama_vocab_is_eog: 128247 is a normal token spelled "</s>", made EOG by name.
        #expect((0 ..< Int32(qwen.vocabularySize)).filter { qwen.isEndOfGeneration($0) } == [128247, 151643, 151645])
        // User-defined tokens are cut out even without parseSpecial.
        #expect(try qwen.tokenize("a[PAD151646]b") == [64, 151646, 65])
    }

    @Test func unsupportedPreTokenizerIsAnError() throws {
        #expect(PreTokenizer.configuration(named: "no-such-pre") == nil)
        #expect(PreTokenizer.configuration(named: "smollm") != nil)
    }
}
