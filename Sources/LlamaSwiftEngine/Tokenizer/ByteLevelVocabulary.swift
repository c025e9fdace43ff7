/// The tables byte-level BPE runs on, built once from `tokenizer.ggml.tokens` and
/// `tokenizer.ggml.merges`.
///
/// Vocabulary texts are written in GPT-2's byte alphabet (`ByteLevelAlphabet`); `tokens`
/// maps each token's decoded raw bytes to its id (tokens with characters outside the
/// alphabet are left out: no word can ever spell them). Every text that a merge mentions —
/// its two parts and their concatenation — gets an id: its token id, or a virtual id
/// (`vocabularyCount` upwards) when it is not a token, so that merging works on ids alone.
struct ByteLevelVocabulary: Sendable {
    let tokens: ByteStringTable
    let merges: MergeTable
    /// Symbol id of each single byte.
    let byteSymbol: [UInt32]
    /// Raw bytes of virtual id `vocabularyCount + i`.
    let virtualTexts: FlatByteStrings
    let vocabularyCount: UInt32
    /// Id of the token whose (undecoded) vocabulary text is exactly this one byte, or -1:
    /// llama.cpp's fallback for a symbol that is not a token looks these up.
    let singleByteTexts: [Int32]

    init(texts: FlatByteStrings, rawTexts: ByteStringTable, merges mergeTexts: [[UInt8]]) throws {
        let count = texts.count
        vocabularyCount = UInt32(count)
        var tokens = ByteStringTable(expectedCount: count)
        for id in 0..<count {
            guard let text = texts[checked: id], let raw = ByteLevelAlphabet.decode(text) else { continue }
            tokens.insert(raw, value: Int32(id))
        }
        self.tokens = tokens

        var virtualTable = ByteStringTable(expectedCount: 64)
        var virtualTexts = FlatByteStrings()
        let base = UInt32(count)
        func symbolId(_ raw: [UInt8]) -> UInt32 {
            let id = tokens.lookup(raw)
            if id >= 0 { return UInt32(id) }
            let v = virtualTable.lookup(raw)
            if v >= 0 { return UInt32(v) }
            let new = base + UInt32(virtualTexts.count)
            virtualTexts.append(raw)
            virtualTable.insert(raw, value: Int32(bitPattern: new))
            return new
        }

        byteSymbol = (0..<256).map { symbolId([UInt8($0)]) }

        // "left right": split at the first space after the first byte (llama.cpp's
        // `word.find(' ', 1)`); a merge without one, or with a part outside the alphabet,
        // can never apply and is skipped.
        var table = MergeTable(expectedCount: mergeTexts.count)
        for (rank, merge) in mergeTexts.enumerated() {
            guard merge.count >= 3, let space = merge[1...].firstIndex(of: 0x20) else { continue }
            guard let left = ByteLevelAlphabet.decode(merge[..<space]),
                let right = ByteLevelAlphabet.decode(merge[(space + 1)...]),
                !left.isEmpty, !right.isEmpty
            else { continue }
            let l = symbolId(left), r = symbolId(right)
            let result = symbolId(left + right)
            table.insertIfAbsent(left: l, right: r, rank: UInt32(truncatingIfNeeded: rank), result: result)
        }
        merges = table
        self.virtualTexts = virtualTexts
        guard UInt64(count) + UInt64(virtualTexts.count) < UInt64(Int32.max) else {
            throw LlamaError.format("tokenizer: too many distinct merge texts")
        }
        singleByteTexts = (0..<256).map { rawTexts.lookup([UInt8($0)]) }
    }

    /// Appends the tokens of a final symbol: its id when that is a token; otherwise, as
    /// llama.cpp does, every byte of its alphabet spelling that is itself a token.
    @inline(__always)
    func emit(_ id: UInt32, _ p: UnsafePointer<UInt8>, _ n: Int, into output: CheckedBuffer<Int32>) throws {
        if id < vocabularyCount {
            try output.append(Int32(bitPattern: id))
            return
        }
        for i in 0..<n {
            for m in ByteLevelAlphabet.utf8ForByte[Int(p[i])] {
                let t = singleByteTexts[Int(m)]
                if t >= 0 { try output.append(t) }
            }
        }
    }
}
