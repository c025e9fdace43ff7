// libFuzzer target: the GGUF loader. The input is a whole file: it is parsed, loaded as
// a model (and, when that fails, vocab-only); a model that loads is tokenized with and
// run for a few tokens, so that metadata the loader accepts is also safe to compute with.
import LlamaSwiftEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = Fuzz.writeScratch(data, size)
    let model: Model
    do {
        model = try Model(path: path)
    } catch {
        precondition(error is LlamaError, "non-LlamaError \(error)")
        if let vocab = try? Model(path: path, vocabOnly: true) { exercise(vocab.tokenizer) }
        return 0
    }
    exercise(model.tokenizer)
    // Run only models whose compute stays small (the fuzzer needs many runs per second).
    guard let c = model.config, model.tensorBytes <= 4 << 20,
        c.embeddingLength * c.feedForwardLength * c.blockCount <= 1 << 22
    else { return 0 }
    var o = SessionOptions()
    o.contextLength = 8
    o.threads = 1
    do {
        let s = try Session(model: model, options: o)
        let n = Int32(model.vocabularySize)
        try s.decode([0, n - 1, n / 2])
        _ = s.lastLogits
        try s.rewind(to: 1)
        try s.decode([n / 3])
    } catch {
        precondition(error is LlamaError, "non-LlamaError \(error)")
    }
    return 0
}

func exercise(_ t: Tokenizer) {
    let text = Array("Hello <s> world <|im_start|> 123 \u{00E9}\u{4E16}\u{1F600} \n\t ".utf8)
    for flags in 0..<4 {
        guard
            let ids = try? text.withUnsafeBytes({
                try t.tokenize($0, addSpecial: flags & 1 != 0, parseSpecial: flags & 2 != 0)
            })
        else { continue }
        for id in ids { precondition(id >= 0 && Int(id) < t.vocabularySize) }
        _ = try? t.detokenize(ids)
    }
    for id in [0, 1, 2, Int32(t.vocabularySize - 1)] { _ = t.piece(for: id, renderSpecial: true) }
}
