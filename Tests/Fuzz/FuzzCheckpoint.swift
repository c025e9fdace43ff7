// libFuzzer target: a Hugging Face checkpoint folder (issue 23). The folder is a scratch
// copy of Tests/Fixtures/hf/qwen2; the input's first byte picks which of its files the
// rest of the input replaces (model.safetensors — the safetensors header and offsets —
// config.json, tokenizer.json, tokenizer_config.json, generation_config.json, or an added
// model.safetensors.index.json), the others keep the fixture's bytes. The folder is then
// loaded; a model that loads is tokenized with and run for a few tokens.
#if canImport(Glibc)
    import Glibc
#endif
import LlamaSwiftEngine

let checkpointFiles = [
    "model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
    "model.safetensors.index.json",
]

/// The scratch folder and the fixture's bytes of each file (nil: absent in the fixture).
let checkpointScratch: (dir: String, originals: [[UInt8]?]) = {
    var t = Array("/tmp/llamaswift-fuzz-hf-XXXXXX".utf8CString)
    guard let p = t.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        fputs("fuzz: cannot create a scratch folder\n", stderr)
        exit(2)
    }
    let dir = String(cString: p)
    let originals = checkpointFiles.map { name -> [UInt8]? in
        guard let f = fopen(Fuzz.root + "/Tests/Fixtures/hf/qwen2/" + name, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            out += buf[0..<n]
        }
        return out
    }
    guard originals[0] != nil else {
        fputs("fuzz: Tests/Fixtures/hf/qwen2 is missing\n", stderr)
        exit(2)
    }
    atexit { _ = system("rm -rf /tmp/llamaswift-fuzz-hf-*") }
    return (dir, originals)
}()

func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    guard let f = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    if bytes.count > 0 { fwrite(bytes.baseAddress, 1, bytes.count, f) }
    fclose(f)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let (dir, originals) = checkpointScratch
    let pick = Int(data[0]) % checkpointFiles.count
    for (i, name) in checkpointFiles.enumerated() {
        let path = dir + "/" + name
        if i == pick {
            writeFile(path, UnsafeRawBufferPointer(start: data + 1, count: size - 1))
        } else if let o = originals[i] {
            o.withUnsafeBytes { writeFile(path, $0) }
        } else {
            unlink(path)
        }
    }
    let model: Model
    do {
        model = try Model(path: dir)
    } catch {
        precondition(error is LlamaError, "non-LlamaError \(error)")
        return 0
    }
    guard let c = model.config, c.embeddingLength * c.feedForwardLength * c.blockCount <= 1 << 22 else { return 0 }
    var o = SessionOptions()
    o.contextLength = 8
    o.threads = 1
    do {
        _ = try model.tokenizer.tokenize("Hello 123 \u{00E9}", addSpecial: true, parseSpecial: true)
        let s = try Session(model: model, options: o)
        let n = Int32(model.vocabularySize)
        try s.decode([0, n - 1, n / 2])
        _ = s.lastLogits
    } catch {
        precondition(error is LlamaError, "non-LlamaError \(error)")
    }
    return 0
}
