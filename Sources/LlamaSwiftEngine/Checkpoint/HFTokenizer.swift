/// A Hugging Face tokenizer (`tokenizer.json`, `tokenizer_config.json`,
/// `generation_config.json`) written as the `tokenizer.*` GGUF keys llama.cpp's converter
/// writes, so the engine's VocabularyLoader reads a folder's vocabulary exactly as it reads
/// a GGUF file's.
///
/// Two kinds of `tokenizer.json` BPE are read:
/// - **byte-level BPE** (GPT-2 style: a `ByteLevel` pre-tokenizer or decoder; SmolLM,
///   Qwen2, LLaMA 3): `tokenizer.ggml.model = gpt2`, the vocabulary's strings by id, the
///   merges as "left right", and `tokenizer.ggml.pre` from the pre-tokenizer's structure:
///   ByteLevel with its own regex → `gpt-2`; Digits(individual) then ByteLevel → `smollm`;
///   a Split on LLaMA 3's or Qwen2's regex then ByteLevel → `llama3` / `qwen2`. Any other
///   pre-tokenizer is UNSUPPORTED, naming it.
/// - **SentencePiece-style BPE with byte fallback** (LLaMA 2, Mistral, Gemma):
///   `tokenizer.ggml.model = llama`; `<0xXX>` tokens are byte tokens; a token's score is
///   minus the rank of the first merge producing it (SentencePiece merges the pair whose
///   result scores highest; Hugging Face the pair with the lowest merge rank: the same
///   order), 0 for tokens no merge produces; `add_space_prefix` when the normalizer
///   prepends "▁" or a Metaspace pre-tokenizer does.
///
/// Other models (Unigram, WordPiece) and a folder with only `tokenizer.model` are
/// UNSUPPORTED, naming them. Token types: added special tokens control (3), other added
/// tokens user-defined (4), byte tokens 6, the unknown token 2, ids no entry names (up to
/// the embedding's vocabulary size) unused (5, "[PADn]" as the converter names them).
enum HFTokenizer {
    static func write(
        into m: inout MetadataBuilder, tokenizer t: JSONValue, config tc: JSONValue?, generation gc: JSONValue?,
        modelConfig c: JSONValue, vocabularySize: Int
    ) throws {
        guard let model = t["model"], model.object != nil else {
            throw LlamaError.format("tokenizer.json has no model object")
        }
        let type = model["type"]?.string ?? "BPE"
        guard type == "BPE" else {
            throw LlamaError.unsupported("tokenizer.json: tokenizer model '\(type)' is not supported (BPE)")
        }
        guard let vocab = model["vocab"]?.object else {
            throw LlamaError.format("tokenizer.json: model.vocab is missing")
        }
        guard vocabularySize > 0, vocabularySize <= 1 << 22 else {
            throw LlamaError.format("vocabulary size \(vocabularySize) is out of range")
        }
        var tokens = [[UInt8]?](repeating: nil, count: vocabularySize)
        var types = [Int64](repeating: 1, count: vocabularySize)
        func place(_ text: [UInt8], _ idValue: JSONValue?, _ what: String) throws -> Int {
            guard let id = idValue?.integer, id >= 0, id < Int64(vocabularySize) else {
                throw LlamaError.format(
                    "tokenizer.json: \(what) '\(String(decoding: text, as: UTF8.self))' has an id outside 0..<\(vocabularySize)"
                )
            }
            tokens[Int(id)] = text
            return Int(id)
        }
        for (k, v) in vocab.members { _ = try place(Array(k.utf8), v, "token") }
        for a in t["added_tokens"]?.array ?? [] {
            guard let content = a["content"]?.bytes else {
                throw LlamaError.format("tokenizer.json: an added token has no content")
            }
            let id = try place(content, a["id"], "added token")
            types[id] = a["special"]?.bool == true ? 3 : 4
        }
        for i in 0..<vocabularySize where tokens[i] == nil {
            tokens[i] = Array("[PAD\(i)]".utf8)
            types[i] = 5
        }
        let texts = tokens.map { $0 ?? [] }

        // Merges: "a b" strings (tokenizers < 0.20) or ["a", "b"] pairs.
        var merges: [[UInt8]] = []
        for x in model["merges"]?.array ?? [] {
            if let s = x.bytes {
                merges.append(s)
            } else if let pair = x.array, pair.count == 2, let l = pair[0].bytes, let r = pair[1].bytes {
                merges.append(l + [0x20] + r)
            } else {
                throw LlamaError.format("tokenizer.json: a merge is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }

        let byteFallback = model["byte_fallback"]?.bool ?? false
        let pre = t["pre_tokenizer"]
        let norm = t["normalizer"]
        func kinds(_ v: JSONValue?) -> [JSONValue] {
            guard let v, !v.isNull else { return [] }
            if let list = (v["pretokenizers"] ?? v["normalizers"] ?? v["decoders"])?.array {
                return list.flatMap { kinds($0) }
            }
            return [v]
        }
        let preSteps = kinds(pre)
        let decoderSteps = kinds(t["decoder"])
        let isByteLevel =
            preSteps.contains { $0["type"]?.string == "ByteLevel" }
            || decoderSteps.contains { $0["type"]?.string == "ByteLevel" }
        if byteFallback
            || !isByteLevel && (preSteps.isEmpty || preSteps.allSatisfy { $0["type"]?.string == "Metaspace" })
        {
            m.set("tokenizer.ggml.model", string: "llama")
            m.set("tokenizer.ggml.pre", string: "default")
            // Scores: −(rank of the first merge producing the token).
            var score = [Double](repeating: 0, count: vocabularySize)
            var ids: [[UInt8]: Int] = [:]
            for (i, s) in texts.enumerated() where types[i] == 1 { ids[s] = i }
            var seen = Set<Int>()
            for (rank, mg) in merges.enumerated() {
                let joined = mg.filter { $0 != 0x20 }
                if let id = ids[joined], seen.insert(id).inserted { score[id] = -Double(rank + 1) }
            }
            for (i, s) in texts.enumerated() where types[i] == 1 && Self.isByteToken(s) { types[i] = 6 }
            if let unk = model["unk_token"]?.bytes, let id = ids[unk] { types[id] = 2 }
            m.set("tokenizer.ggml.tokens", .array(.strings(texts)))
            m.set("tokenizer.ggml.scores", .array(.floats(score, typeName: "f32")))
            m.set("tokenizer.ggml.token_type", .array(.integers(types, typeName: "i32")))
            let prepend =
                kinds(norm).contains { $0["type"]?.string == "Prepend" && $0["prepend"]?.string == "▁" }
                || preSteps.contains {
                    $0["type"]?.string == "Metaspace"
                        && ($0["prepend_scheme"]?.string.map { $0 != "never" } ?? $0["add_prefix_space"]?.bool ?? true)
                }
            m.set("tokenizer.ggml.add_space_prefix", bool: prepend)
            if let unk = model["unk_token"]?.bytes, let id = ids[unk] {
                m.set("tokenizer.ggml.unknown_token_id", int: id)
            }
        } else if isByteLevel {
            m.set("tokenizer.ggml.model", string: "gpt2")
            m.set("tokenizer.ggml.pre", string: try preName(preSteps))
            m.set("tokenizer.ggml.tokens", .array(.strings(texts)))
            m.set("tokenizer.ggml.token_type", .array(.integers(types, typeName: "i32")))
            m.set("tokenizer.ggml.merges", .array(.strings(merges)))
        } else {
            let names = preSteps.compactMap { $0["type"]?.string }.joined(separator: ", ")
            throw LlamaError.unsupported("tokenizer.json: pre-tokenizer [\(names)] is not supported")
        }

        // Special tokens: tokenizer_config.json, then generation_config.json / config.json ids.
        var byText: [[UInt8]: Int] = [:]
        for (i, s) in texts.enumerated() where byText[s] == nil { byText[s] = i }
        func special(_ name: String) -> Int? {
            if let v = tc?[name + "_token"] {
                if let s = v.bytes ?? v["content"]?.bytes, let id = byText[s] { return id }
            }
            for src in [gc, c] {
                guard let v = src?[name + "_token_id"] else { continue }
                if let i = v.integer ?? v.array?.first?.integer, i >= 0, i < Int64(vocabularySize) { return Int(i) }
            }
            return nil
        }
        if let id = special("bos") { m.set("tokenizer.ggml.bos_token_id", int: id) }
        if let id = special("eos") { m.set("tokenizer.ggml.eos_token_id", int: id) }
        if let id = special("pad") { m.set("tokenizer.ggml.padding_token_id", int: id) }
        if let v = tc?["add_bos_token"]?.bool { m.set("tokenizer.ggml.add_bos_token", bool: v) }
        if let v = tc?["add_eos_token"]?.bool { m.set("tokenizer.ggml.add_eos_token", bool: v) }
        if let s = tc?["chat_template"]?.string {
            m.set("tokenizer.chat_template", string: s)
        } else if let list = tc?["chat_template"]?.array,
            let d = list.first(where: { $0["name"]?.string == "default" }) ?? list.first, let s = d["template"]?.string
        {
            m.set("tokenizer.chat_template", string: s)
        }
    }

    static func isByteToken(_ s: [UInt8]) -> Bool {
        s.count == 6 && s[0] == 0x3C && s[1] == 0x30 && s[2] == 0x78 && s[5] == 0x3E
            && s[3...4].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    /// The pre-tokenizer regexes of LLaMA 3 and Qwen2 as their tokenizer.json files spell them.
    static let llama3Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The engine's pre-tokenizer name (PreTokenizer.configuration) for a byte-level
    /// tokenizer's pre-tokenizer steps.
    static func preName(_ steps: [JSONValue]) throws -> String {
        let types = steps.map { $0["type"]?.string ?? "?" }
        func byteLevel(_ v: JSONValue, regex: Bool) -> Bool {
            v["type"]?.string == "ByteLevel" && (v["use_regex"]?.bool ?? true) == regex
                && v["add_prefix_space"]?.bool != true
        }
        if steps.count == 1, byteLevel(steps[0], regex: true) { return "gpt-2" }
        if steps.count == 2, steps[0]["type"]?.string == "Digits", steps[0]["individual_digits"]?.bool == true,
            byteLevel(steps[1], regex: true)
        {
            return "smollm"
        }
        if steps.count == 2, steps[0]["type"]?.string == "Split", byteLevel(steps[1], regex: false),
            let r = steps[0]["pattern"]?["Regex"]?.string
        {
            if r == llama3Regex { return "llama3" }
            if r == qwen2Regex { return "qwen2" }
        }
        throw LlamaError.unsupported(
            "tokenizer.json: pre-tokenizer [\(types.joined(separator: ", "))] is not one this engine implements "
                + "(ByteLevel; Digits + ByteLevel; LLaMA 3's or Qwen2's Split + ByteLevel)")
    }
}
