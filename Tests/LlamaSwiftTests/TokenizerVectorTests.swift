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
        #expect(try llama3.tokenize("<|eot_id|>", parseSpecial: true) == [128009])
        #expect(try llama3.tokenize("<|eot_id|>", parseSpecial: false) != [128009])

        let qwen = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-qwen2.gguf")
        #expect(!qwen.addBOS && qwen.isEndOfGeneration(151645) && qwen.isEndOfGeneration(151643))
        // User-defined tokens are cut out even without parseSpecial.
        #expect(try qwen.tokenize("a[PAD151646]b") == [64, 151646, 65])
    }

    @Test func unsupportedPreTokenizerIsAnError() throws {
        #expect(PreTokenizer.configuration(named: "no-such-pre") == nil)
        #expect(PreTokenizer.configuration(named: "smollm") != nil)
    }
}
