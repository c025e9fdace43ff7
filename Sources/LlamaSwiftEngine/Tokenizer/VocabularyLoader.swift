/// Everything `Tokenizer` holds, read from GGUF metadata as `llama_vocab::impl::load` reads
/// it: model kind and per-kind defaults, texts/scores/types, special ids with their
/// defaults and range checks, the add-BOS/EOS flags, name-based detection of EOT/EOM/FIM
/// and end-of-generation tokens (which also amend attributes), and the piece cache.
struct VocabularyLoader {
    var kind: Tokenizer.Kind
    var modelName: String
    var preName: String
    var texts = FlatByteStrings()
    var scores: [Float] = []
    var attributes: [TokenAttributes] = []
    var rawTable: ByteStringTable
    var byteLevel: ByteLevelVocabulary?
    var preTokenizer = PreTokenizer(steps: [])
    var specialTokens: [Int32] = []
    var pieces = FlatByteStrings()
    var endOfGeneration: Set<Int32> = []
    var byteTokens: [Int32] = []
    var addSpacePrefix = false
    var cleanSpaces = false
    var ignoreMerges = false
    var addBOS = false
    var addEOS = false
    var bos: Int32?
    var eos: Int32?
    var eot: Int32?
    var eom: Int32?
    var unk: Int32?
    var chatTemplate: String?

    init(metadata md: [String: GGUFValue]) throws {
        guard let model = md["tokenizer.ggml.model"]?.string else {
            throw LlamaError.format("tokenizer: key tokenizer.ggml.model is missing or not a string")
        }
        modelName = model
        preName = md["tokenizer.ggml.pre"]?.string ?? ""
        chatTemplate = md["tokenizer.chat_template"]?.string

        // Per-model defaults (llama.cpp: "default special tokens" and the flags after them;
        // its BOS/EOS fallback ids are not taken, see below).
        switch model {
        case "llama":
            kind = .sentencePiece
            unk = 0
            addSpacePrefix = true
            cleanSpaces = false
            addBOS = true
            addEOS = false
        case "gpt2":
            kind = .byteLevel
            guard let config = PreTokenizer.configuration(named: preName) else {
                throw LlamaError.unsupported(
                    "tokenizer: pre-tokenizer '\(preName)' (tokenizer.ggml.pre) is not supported")
            }
            unk = nil
            addSpacePrefix = false
            cleanSpaces = config.cleanSpaces
            ignoreMerges = config.ignoreMerges
            addBOS = config.addBOS
            preTokenizer = PreTokenizer(steps: config.steps)
        default:
            throw LlamaError.unsupported(
                "tokenizer: tokenizer model '\(model)' (tokenizer.ggml.model) is not supported")
        }
        if let v = md["tokenizer.ggml.add_space_prefix"]?.bool { addSpacePrefix = v }

        // Texts, scores, types.
        guard case .array(.strings(let tokenTexts))? = md["tokenizer.ggml.tokens"] else {
            throw LlamaError.format("tokenizer: key tokenizer.ggml.tokens is missing or not an array of strings")
        }
        let n = tokenTexts.count
        guard n > 0, n < Int(Int32.max) else {
            throw LlamaError.format("tokenizer: tokenizer.ggml.tokens has \(n) entries")
        }
        var scoreValues = [Float](repeating: 0, count: n)
        if let value = md["tokenizer.ggml.scores"] {
            switch value {
            case .array(.floats(let f, _)) where f.count >= n:
                for i in 0..<n { scoreValues[i] = Float(f[i]) }
            case .array(.integers(let v, _)) where v.count >= n:
                for i in 0..<n { scoreValues[i] = Float(v[i]) }
            default:
                throw LlamaError.format(
                    "tokenizer: tokenizer.ggml.scores is not a numeric array of at least \(n) entries")
            }
        }
        scores = scoreValues
        var attrs = [TokenAttributes](repeating: .normal, count: n)
        if let value = md["tokenizer.ggml.token_type"] {
            guard case .array(.integers(let types, _)) = value, types.count >= n else {
                throw LlamaError.format(
                    "tokenizer: tokenizer.ggml.token_type is not an integer array of at least \(n) entries")
            }
            for i in 0..<n { attrs[i] = TokenAttributes(ggufTokenType: types[i]) }
        }

        var flat = FlatByteStrings()
        flat.reserve(strings: n, bytes: tokenTexts.reduce(0) { $0 + $1.count } + 16)
        var table = ByteStringTable(expectedCount: n)
        for (i, t) in tokenTexts.enumerated() {
            let text = t.isEmpty ? Array("[EMPTY_\(i)]".utf8) : t
            flat.append(text)
            table.insert(text, value: Int32(i))
        }
        texts = flat
        rawTable = table

        if kind == .byteLevel {
            guard case .array(.strings(let merges))? = md["tokenizer.ggml.merges"] else {
                throw LlamaError.format("tokenizer: key tokenizer.ggml.merges is missing or not an array of strings")
            }
            byteLevel = try ByteLevelVocabulary(texts: flat, rawTexts: table, merges: merges)
        }
        byteTokens = (0..<256).map { b -> Int32 in
            let hex = Array("0123456789ABCDEF".utf8)
            let name: [UInt8] = [0x3C, 0x30, 0x78, hex[b >> 4], hex[b & 15], 0x3E]  // <0xNN>
            let t = table.lookup(name)
            return t >= 0 ? t : table.lookup([UInt8(b)])
        }

        // Special ids: a default out of range is dropped; a key out of range keeps the default.
        func specialId(_ key: String, _ current: Int32?) -> Int32? {
            var id = current
            if let c = id, Int(c) >= n || c < 0 { id = nil }
            if let v = md[key]?.integer, v >= 0, v <= Int64(UInt32.max) {
                if v < Int64(n) { id = Int32(v) }
            }
            return id
        }
        // BOS and EOS exist only when the file names them. llama.cpp falls back to fixed
        // ids (1/2 for SentencePiece, 11 — "," in GPT-2-style vocabularies — for both in
        // byte-level ones), so a vocabulary without the key would report a comma as BOS
        // and end generation at every comma; here they are absent, and ADD_SPECIAL adds
        // nothing for them. (Every real file names them; the fallbacks only ever
        // invented tokens.)
        bos = specialId("tokenizer.ggml.bos_token_id", nil)
        eos = specialId("tokenizer.ggml.eos_token_id", nil)
        eot = specialId("tokenizer.ggml.eot_token_id", nil)
        eom = specialId("tokenizer.ggml.eom_token_id", nil)
        unk = specialId("tokenizer.ggml.unknown_token_id", unk)
        var fimPre = specialId("tokenizer.ggml.fim_pre_token_id", nil)
        var fimSuf = specialId("tokenizer.ggml.fim_suf_token_id", nil)
        var fimMid = specialId("tokenizer.ggml.fim_mid_token_id", nil)
        var fimPad = specialId("tokenizer.ggml.fim_pad_token_id", nil)
        var fimRep = specialId("tokenizer.ggml.fim_rep_token_id", nil)
        var fimSep = specialId("tokenizer.ggml.fim_sep_token_id", nil)
        fimPre = specialId("tokenizer.ggml.prefix_token_id", fimPre)
        fimSuf = specialId("tokenizer.ggml.suffix_token_id", fimSuf)
        fimMid = specialId("tokenizer.ggml.middle_token_id", fimMid)

        if let v = md["tokenizer.ggml.add_bos_token"]?.bool { addBOS = v }
        if let v = md["tokenizer.ggml.add_eos_token"]?.bool { addEOS = v }

        // Name-based detection. llama.cpp walks its hash map, so when several names match
        // (LLaMA 3 has <|eot_id|> and <|end_of_text|>), its pick depends on hashing; we take
        // the first name in llama.cpp's list order, which puts the turn-end names first.
        func idOf(_ name: String) -> Int32? {
            let t = table.lookup(Array(name.utf8))
            return t >= 0 ? t : nil
        }
        func detect(_ names: [String]) -> Int32? {
            guard let id = names.lazy.compactMap(idOf).first else { return nil }
            attrs[Int(id)].insert(.control)
            return id
        }
        if eot == nil { eot = detect(SpecialTokenNames.endOfTurn) }
        if eom == nil { eom = detect(SpecialTokenNames.endOfMessage) }
        if fimPre == nil { fimPre = detect(SpecialTokenNames.fimPrefix) }
        if fimSuf == nil { fimSuf = detect(SpecialTokenNames.fimSuffix) }
        if fimMid == nil { fimMid = detect(SpecialTokenNames.fimMiddle) }
        if fimPad == nil { fimPad = detect(SpecialTokenNames.fimPad) }
        if fimRep == nil { fimRep = detect(SpecialTokenNames.fimRepo) }
        if fimSep == nil { fimSep = detect(SpecialTokenNames.fimSeparator) }
        _ = (fimPre, fimSuf, fimMid)

        var eog = Set<Int32>()
        for id in [fimPad, fimRep, fimSep].compactMap({ $0 }) { eog.insert(id) }
        for name in SpecialTokenNames.endOfGeneration {
            if let id = idOf(name) {
                eog.insert(id)
                attrs[Int(id)].insert(.control)
            }
        }
        for name in SpecialTokenNames.alwaysRendered {
            if let id = idOf(name) { attrs[Int(id)] = .userDefined }
        }
        for id in [eos, eot, eom].compactMap({ $0 }) { eog.insert(id) }
        // "<|end|>" is not an end when "<|return|>"/"<|call|>" (gpt-oss) or
        // "<|calls|>"/"<|flush|>" (solar-open) are.
        func eogHas(_ names: [String]) -> Bool { names.contains { idOf($0).map { eog.contains($0) } ?? false } }
        if let end = idOf("<|end|>"), eog.contains(end),
            (eogHas(["<|return|>"]) && eogHas(["<|call|>", "<|calls|>"]))
                || (eogHas(["<|call|>", "<|calls|>"]) && eogHas(["<|flush|>"]))
        {
            eog.remove(end)
            attrs[Int(end)] = .userDefined
        }
        if let s = idOf("</s>"), eog.contains(s), eogHas(["<|tool_response>", "<|plamo:eos|>"]) {
            eog.remove(s)
            attrs[Int(s)] = .normal
        }
        endOfGeneration = eog

        // The special-token cache, longest first.
        let specialMask: TokenAttributes = [.control, .userDefined, .unknown]
        var special = (0..<n).filter { !attrs[$0].isDisjoint(with: specialMask) }.map { Int32($0) }
        special.sort { a, b in
            let la = flat.length(Int(a)), lb = flat.length(Int(b))
            return la != lb ? la > lb : a < b
        }
        specialTokens = special

        // Pieces are computed before the per-model strip attributes below (as llama.cpp
        // builds its piece cache first; those attributes do not change pieces anyway).
        attributes = attrs
        var pieceStore = FlatByteStrings()
        pieceStore.reserve(strings: n, bytes: flat.bytes.count)
        for i in 0..<n {
            pieceStore.append(
                PieceRenderer.render(
                    text: flat[checked: i] ?? [], attributes: attrs[i], kind: kind))
        }
        pieces = pieceStore

        // Per-model strip attributes (by general.name / pre / architecture).
        let generalName = (md["general.name"]?.string ?? "").lowercased()
        let arch = md["general.architecture"]?.string ?? ""
        func set(_ name: String, _ a: TokenAttributes, _ on: Bool) {
            guard let id = idOf(name) else { return }
            if on { attrs[Int(id)].insert(a) } else { attrs[Int(id)].remove(a) }
        }
        if ["jina-v2-de", "jina-v2-es", "jina-v2-code"].contains(where: { preName.contains($0) })
            || ["nomic-bert-moe", "jina-bert-v3"].contains(where: { arch.contains($0) })
        {
            set("<mask>", .lstrip, true)
        } else if generalName.contains("phi-3") || generalName.contains("phi3") {
            for id in special { attrs[Int(id)].insert(.rstrip) }
            set("</s>", .rstrip, true)
            for name in ["<unk>", "<s>", "<|endoftext|>"] { set(name, .rstrip, false) }
        } else if generalName.contains("modern-bert") {
            set("[MASK]", .lstrip, true)
        }
        attributes = attrs
    }
}

/// Token texts llama.cpp recognises by name in `llama_vocab::impl::load`.
enum SpecialTokenNames {
    static let endOfTurn = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
        "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    static let endOfMessage = ["<|eom_id|>"]
    static let fimPrefix = [
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>",
        "<|prefix|>",
    ]
    static let fimSuffix = [
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>",
        "<|suffix|>",
    ]
    static let fimMiddle = [
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>",
        "<|middle|>",
    ]
    static let fimPad = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]
    static let fimRepo = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
    static let fimSeparator = ["<|file_sep|>"]
    static let endOfGeneration = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
    ]
    /// gpt-oss: always rendered (made user-defined).
    static let alwaysRendered = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]
}
