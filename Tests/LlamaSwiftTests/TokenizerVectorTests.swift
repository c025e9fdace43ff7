import Testing

@testable import LlamaSwiftEngine

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
                if inp[j] == sep[0] && Array(inp[j..<j + sep.count]) == sep {
                    next = j
                    break
                }
                j += 1
            }
            if next < 0 {
                texts.append(Array(inp[pos...]))
                break
            }
            texts.append(Array(inp[pos..<next]))
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

    /// Special-token markup with add_special = true, parse_special = false/true. Ids from
    /// llama-cpp-python 0.3.36 (`Llama.tokenize(text, add_bos=True, special=…)`): covers
    /// Phi-3's rstrip attributes, the SentencePiece space prefix after a special token,
    /// user-defined tokens cut out without parse_special, and "</s>" made control by name.
    static let specialCases: [(String, String, Bool, [Int32])] = [
        (
            "phi-3", "<|user|>\nHello <|end|>\n<|assistant|>", false,
            [
                1, 529, 29989, 1792, 29989, 29958, 13, 10994, 529, 29989, 355, 29989, 29958, 13, 29966, 29989, 465,
                22137, 29989, 29958,
            ]
        ),
        ("phi-3", "<|user|>\nHello <|end|>\n<|assistant|>", true, [1, 32010, 15043, 29871, 32007, 32001]),
        (
            "phi-3", "<s>Hello</s> world <unk>x", false,
            [1, 529, 29879, 29958, 10994, 829, 29879, 29958, 3186, 529, 2960, 29958, 29916]
        ),
        ("phi-3", "<s>Hello</s> world <unk>x", true, [1, 1, 15043, 2, 3186, 29871, 0, 921]),
        (
            "phi-3", " <|endoftext|>  a</s>  b", false,
            [1, 29871, 529, 29989, 355, 974, 726, 29989, 29958, 29871, 263, 829, 29879, 29958, 29871, 289]
        ),
        ("phi-3", " <|endoftext|>  a</s>  b", true, [1, 259, 32000, 259, 263, 2, 289]),
        (
            "phi-3", "a<|im_start|>user\nhi<|im_end|>\n", false,
            [
                1, 263, 29966, 29989, 326, 29918, 2962, 29989, 29958, 1792, 13, 2918, 29966, 29989, 326, 29918, 355,
                29989, 29958, 13,
            ]
        ),
        (
            "phi-3", "a<|im_start|>user\nhi<|im_end|>\n", true,
            [
                1, 263, 29966, 29989, 326, 29918, 2962, 29989, 29958, 1792, 13, 2918, 29966, 29989, 326, 29918, 355,
                29989, 29958, 13,
            ]
        ),
        (
            "phi-3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", false,
            [
                1, 529, 29989, 463, 29918, 974, 29918, 726, 29989, 5299, 29989, 2962, 29918, 6672, 29918, 333, 29989,
                29958, 1792, 29966, 29989, 355, 29918, 6672, 29918, 333, 29989, 29958, 13, 13, 18567, 29966, 29989,
                29872, 327, 29918, 333, 29989, 29958,
            ]
        ),
        (
            "phi-3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true,
            [
                1, 529, 29989, 463, 29918, 974, 29918, 726, 29989, 5299, 29989, 2962, 29918, 6672, 29918, 333, 29989,
                29958, 1792, 29966, 29989, 355, 29918, 6672, 29918, 333, 29989, 29958, 13, 13, 18567, 29966, 29989,
                29872, 327, 29918, 333, 29989, 29958,
            ]
        ),
        ("phi-3", "[PAD32011]z", false, [1, 518, 29925, 3035, 29941, 29906, 29900, 29896, 29896, 29962, 29920]),
        ("phi-3", "[PAD32011]z", true, [1, 32011, 503]),
        (
            "llama-spm", "<|user|>\nHello <|end|>\n<|assistant|>", false,
            [
                1, 529, 29989, 1792, 29989, 29958, 13, 10994, 529, 29989, 355, 29989, 29958, 13, 29966, 29989, 465,
                22137, 29989, 29958,
            ]
        ),
        (
            "llama-spm", "<|user|>\nHello <|end|>\n<|assistant|>", true,
            [
                1, 529, 29989, 1792, 29989, 29958, 13, 10994, 529, 29989, 355, 29989, 29958, 13, 29966, 29989, 465,
                22137, 29989, 29958,
            ]
        ),
        (
            "llama-spm", "<s>Hello</s> world <unk>x", false,
            [1, 529, 29879, 29958, 10994, 829, 29879, 29958, 3186, 529, 2960, 29958, 29916]
        ),
        ("llama-spm", "<s>Hello</s> world <unk>x", true, [1, 1, 15043, 2, 29871, 3186, 29871, 0, 921]),
        (
            "llama-spm", " <|endoftext|>  a</s>  b", false,
            [1, 29871, 529, 29989, 355, 974, 726, 29989, 29958, 29871, 263, 829, 29879, 29958, 29871, 289]
        ),
        (
            "llama-spm", " <|endoftext|>  a</s>  b", true,
            [1, 29871, 529, 29989, 355, 974, 726, 29989, 29958, 29871, 263, 2, 259, 289]
        ),
        (
            "llama-spm", "a<|im_start|>user\nhi<|im_end|>\n", false,
            [
                1, 263, 29966, 29989, 326, 29918, 2962, 29989, 29958, 1792, 13, 2918, 29966, 29989, 326, 29918, 355,
                29989, 29958, 13,
            ]
        ),
        (
            "llama-spm", "a<|im_start|>user\nhi<|im_end|>\n", true,
            [
                1, 263, 29966, 29989, 326, 29918, 2962, 29989, 29958, 1792, 13, 2918, 29966, 29989, 326, 29918, 355,
                29989, 29958, 13,
            ]
        ),
        (
            "llama-spm", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", false,
            [
                1, 529, 29989, 463, 29918, 974, 29918, 726, 29989, 5299, 29989, 2962, 29918, 6672, 29918, 333, 29989,
                29958, 1792, 29966, 29989, 355, 29918, 6672, 29918, 333, 29989, 29958, 13, 13, 18567, 29966, 29989,
                29872, 327, 29918, 333, 29989, 29958,
            ]
        ),
        (
            "llama-spm", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true,
            [
                1, 529, 29989, 463, 29918, 974, 29918, 726, 29989, 5299, 29989, 2962, 29918, 6672, 29918, 333, 29989,
                29958, 1792, 29966, 29989, 355, 29918, 6672, 29918, 333, 29989, 29958, 13, 13, 18567, 29966, 29989,
                29872, 327, 29918, 333, 29989, 29958,
            ]
        ),
        ("llama-spm", "[PAD32011]z", false, [1, 518, 29925, 3035, 29941, 29906, 29900, 29896, 29896, 29962, 29920]),
        ("llama-spm", "[PAD32011]z", true, [1, 518, 29925, 3035, 29941, 29906, 29900, 29896, 29896, 29962, 29920]),
        (
            "qwen2", "<|user|>\nHello <|end|>\n<|assistant|>", false,
            [27, 91, 872, 91, 397, 9707, 82639, 408, 91, 397, 27, 91, 77091, 91, 29]
        ),
        (
            "qwen2", "<|user|>\nHello <|end|>\n<|assistant|>", true,
            [27, 91, 872, 91, 397, 9707, 82639, 408, 91, 397, 27, 91, 77091, 91, 29]
        ),
        ("qwen2", "<s>Hello</s> world <unk>x", false, [44047, 79497, 522, 82, 29, 1879, 366, 3122, 28257]),
        ("qwen2", "<s>Hello</s> world <unk>x", true, [44047, 79497, 128247, 1879, 366, 3122, 28257]),
        ("qwen2", " <|endoftext|>  a</s>  b", false, [82639, 8691, 723, 427, 91, 29, 220, 264, 522, 82, 29, 220, 293]),
        ("qwen2", " <|endoftext|>  a</s>  b", true, [220, 151643, 220, 264, 128247, 220, 293]),
        (
            "qwen2", "a<|im_start|>user\nhi<|im_end|>\n", false,
            [64, 27, 91, 318, 4906, 91, 29, 872, 198, 6023, 27, 91, 318, 6213, 91, 397]
        ),
        ("qwen2", "a<|im_start|>user\nhi<|im_end|>\n", true, [64, 151644, 872, 198, 6023, 151645, 198]),
        (
            "qwen2", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", false,
            [
                27, 91, 7265, 3575, 4326, 91, 1784, 91, 2468, 8757, 842, 91, 29, 872, 27, 91, 408, 8757, 842, 91, 1339,
                13048, 27, 91, 68, 354, 842, 91, 29,
            ]
        ),
        (
            "qwen2", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true,
            [
                27, 91, 7265, 3575, 4326, 91, 1784, 91, 2468, 8757, 842, 91, 29, 872, 27, 91, 408, 8757, 842, 91, 1339,
                13048, 27, 91, 68, 354, 842, 91, 29,
            ]
        ),
        ("qwen2", "[PAD32011]z", false, [42347, 1808, 18, 17, 15, 16, 16, 60, 89]),
        ("qwen2", "[PAD32011]z", true, [42347, 1808, 18, 17, 15, 16, 16, 60, 89]),
        (
            "llama-bpe", "<|user|>\nHello <|end|>\n<|assistant|>", false,
            [128000, 27, 91, 882, 91, 397, 9906, 83739, 408, 91, 397, 27, 91, 78191, 91, 29]
        ),
        (
            "llama-bpe", "<|user|>\nHello <|end|>\n<|assistant|>", true,
            [128000, 27, 91, 882, 91, 397, 9906, 83739, 408, 91, 397, 27, 91, 78191, 91, 29]
        ),
        ("llama-bpe", "<s>Hello</s> world <unk>x", false, [128000, 45147, 80597, 524, 82, 29, 1917, 366, 3200, 29357]),
        ("llama-bpe", "<s>Hello</s> world <unk>x", true, [128000, 45147, 80597, 524, 82, 29, 1917, 366, 3200, 29357]),
        (
            "llama-bpe", " <|endoftext|>  a</s>  b", false,
            [128000, 83739, 8862, 728, 428, 91, 29, 220, 264, 524, 82, 29, 220, 293]
        ),
        (
            "llama-bpe", " <|endoftext|>  a</s>  b", true,
            [128000, 83739, 8862, 728, 428, 91, 29, 220, 264, 524, 82, 29, 220, 293]
        ),
        (
            "llama-bpe", "a<|im_start|>user\nhi<|im_end|>\n", false,
            [128000, 64, 27, 91, 318, 5011, 91, 29, 882, 198, 6151, 27, 91, 318, 6345, 91, 397]
        ),
        (
            "llama-bpe", "a<|im_start|>user\nhi<|im_end|>\n", true,
            [128000, 64, 27, 91, 318, 5011, 91, 29, 882, 198, 6151, 27, 91, 318, 6345, 91, 397]
        ),
        (
            "llama-bpe", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", false,
            [
                128000, 27, 91, 7413, 3659, 4424, 91, 1822, 91, 2527, 8932, 851, 91, 29, 882, 27, 91, 408, 8932, 851,
                91, 1363, 13347, 27, 91, 68, 354, 851, 91, 29,
            ]
        ),
        (
            "llama-bpe", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true,
            [128000, 128000, 128006, 882, 128007, 271, 13347, 128009]
        ),
        ("llama-bpe", "[PAD32011]z", false, [128000, 43447, 1846, 9588, 806, 60, 89]),
        ("llama-bpe", "[PAD32011]z", true, [128000, 43447, 1846, 9588, 806, 60, 89]),
        (
            "gpt-2", "<|user|>\nHello <|end|>\n<|assistant|>", false,
            [27, 91, 7220, 91, 29, 198, 15496, 1279, 91, 437, 91, 29, 198, 27, 91, 562, 10167, 91, 29]
        ),
        (
            "gpt-2", "<|user|>\nHello <|end|>\n<|assistant|>", true,
            [27, 91, 7220, 91, 29, 198, 15496, 1279, 91, 437, 91, 29, 198, 27, 91, 562, 10167, 91, 29]
        ),
        ("gpt-2", "<s>Hello</s> world <unk>x", false, [27, 82, 29, 15496, 3556, 82, 29, 995, 1279, 2954, 29, 87]),
        ("gpt-2", "<s>Hello</s> world <unk>x", true, [27, 82, 29, 15496, 3556, 82, 29, 995, 1279, 2954, 29, 87]),
        (
            "gpt-2", " <|endoftext|>  a</s>  b", false,
            [1279, 91, 437, 1659, 5239, 91, 29, 220, 257, 3556, 82, 29, 220, 275]
        ),
        ("gpt-2", " <|endoftext|>  a</s>  b", true, [220, 50256, 220, 257, 3556, 82, 29, 220, 275]),
        (
            "gpt-2", "a<|im_start|>user\nhi<|im_end|>\n", false,
            [64, 27, 91, 320, 62, 9688, 91, 29, 7220, 198, 5303, 27, 91, 320, 62, 437, 91, 29, 198]
        ),
        (
            "gpt-2", "a<|im_start|>user\nhi<|im_end|>\n", true,
            [64, 27, 91, 320, 62, 9688, 91, 29, 7220, 198, 5303, 27, 91, 320, 62, 437, 91, 29, 198]
        ),
        (
            "gpt-2", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", false,
            [
                27, 91, 27471, 62, 1659, 62, 5239, 91, 6927, 91, 9688, 62, 25677, 62, 312, 91, 29, 7220, 27, 91, 437,
                62, 25677, 62, 312, 91, 29, 198, 198, 17250, 27, 91, 68, 313, 62, 312, 91, 29,
            ]
        ),
        (
            "gpt-2", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true,
            [
                27, 91, 27471, 62, 1659, 62, 5239, 91, 6927, 91, 9688, 62, 25677, 62, 312, 91, 29, 7220, 27, 91, 437,
                62, 25677, 62, 312, 91, 29, 198, 198, 17250, 27, 91, 68, 313, 62, 312, 91, 29,
            ]
        ),
        ("gpt-2", "[PAD32011]z", false, [58, 47, 2885, 18, 9804, 60, 89]),
        ("gpt-2", "[PAD32011]z", true, [58, 47, 2885, 18, 9804, 60, 89]),
    ]

    @Test func specialTokensMatchLlamaCpp() throws {
        var tokenizers: [String: Tokenizer] = [:]
        for (name, text, parseSpecial, expected) in Self.specialCases {
            let t = try tokenizers[name] ?? TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-\(name).gguf")
            tokenizers[name] = t
            let ids = try t.tokenize(text, addSpecial: true, parseSpecial: parseSpecial)
            #expect(ids == expected, "\(name) '\(text)' parseSpecial=\(parseSpecial)")
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
        #expect((0..<Int32(llama3.vocabularySize)).filter { llama3.isEndOfGeneration($0) } == [128001, 128009])
        let phi3 = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-phi-3.gguf")
        #expect(phi3.eot == 32007)
        #expect((0..<Int32(phi3.vocabularySize)).filter { phi3.isEndOfGeneration($0) } == [2, 32000, 32007])
        #expect(try llama3.tokenize("<|eot_id|>", parseSpecial: true) == [128009])
        #expect(try llama3.tokenize("<|eot_id|>", parseSpecial: false) != [128009])

        let qwen = try TestData.tokenizer(TestData.vocabDirectory + "/ggml-vocab-qwen2.gguf")
        #expect(!qwen.addBOS && qwen.eot == 151645)
        // llama_vocab_is_eog: 128247 is a normal token spelled "</s>", made EOG by name.
        #expect((0..<Int32(qwen.vocabularySize)).filter { qwen.isEndOfGeneration($0) } == [128247, 151643, 151645])
        // User-defined tokens are cut out even without parseSpecial.
        #expect(try qwen.tokenize("a[PAD151646]b") == [64, 151646, 65])
    }

    @Test func unsupportedPreTokenizerIsAnError() throws {
        #expect(PreTokenizer.configuration(named: "no-such-pre") == nil)
        #expect(PreTokenizer.configuration(named: "smollm") != nil)
    }
}
