/// A loaded model: the parsed file (which owns the mapping), its configuration and its
/// weights. Immutable after `init`, so one model serves any number of sessions on any
/// number of threads.
public final class Model: @unchecked Sendable {
    public let gguf: GGUFFile
    public let config: ModelConfig?
    public let weights: ModelWeights?
    public let tokenizer: Tokenizer
    public let vocabOnly: Bool
    public let loadSeconds: Double
    /// Identifies the file for saved session states: a hash of the header (metadata and
    /// tensor table), the file size, and the first and last 64 bytes of every tensor's
    /// data — cheap even for a 7B file, and different for files that differ only in
    /// their (random) weights.
    public let fingerprint: UInt64

    public convenience init(path: String, vocabOnly: Bool = false) throws {
        var o = LoadOptions()
        o.vocabOnly = vocabOnly
        try self.init(path: path, options: o)
    }

    public init(path: String, options: LoadOptions) throws {
        let start = Syscalls.now()
        let vocabOnly = options.vocabOnly
        let progress = LoadProgress(options.progress)
        progress.report(0)
        try progress.check()
        // A directory is a Hugging Face checkpoint folder (CheckpointFolder); anything else a GGUF file.
        gguf =
            try CheckpointFolder.isDirectory(path)
            ? CheckpointFolder.load(
                folder: path, quantizeTo: vocabOnly ? nil : options.quantizeTo, vocabOnly: vocabOnly)
            : GGUFFile(path: path)
        self.vocabOnly = vocabOnly
        if !vocabOnly {
            // The architecture first, so that a file of another model says so.
            _ = try Architecture.of(gguf)
        }
        tokenizer = try Tokenizer(gguf: gguf)
        // Before the weights: interleaving releases the file's pages of the copied
        // tensors, and reading their first and last bytes afterwards would map them again.
        fingerprint = Self.fingerprint(of: gguf)
        if vocabOnly {
            config = nil
            weights = nil
        } else {
            guard let embd = gguf.tensor(named: "token_embd.weight"), embd.dims.count == 2 else {
                // Check the architecture first so a non-llama file says that, not "missing tensor".
                _ = try ModelConfig(gguf: gguf, vocabularySize: 1)
                throw LlamaError.format("missing or malformed tensor 'token_embd.weight'")
            }
            let c = try ModelConfig(gguf: gguf, vocabularySize: embd.dims[1])
            guard c.vocabularySize == tokenizer.vocabularySize else {
                throw LlamaError.format(
                    "token_embd.weight has \(c.vocabularySize) rows but the vocabulary has \(tokenizer.vocabularySize) tokens"
                )
            }
            config = c
            try progress.check()
            progress.phase(span: options.lockMemory ? 0.5 : 1)
            let w = try ModelWeights(gguf: gguf, config: c, interleave: options.repack, progress: progress)
            try progress.check()
            if options.lockMemory {
                progress.phase(span: 1 - progress.base)
                try w.lockMemory(config: c, progress: progress)
            }
            weights = w
        }
        progress.report(1)
        try progress.check()
        loadSeconds = Syscalls.now() - start
        let what = config.map { "\($0.architecture.rawValue), \($0.blockCount) layers" } ?? "vocabulary only"
        Log.info(
            "loaded '\(path)' (\(what), \(gguf.tensors.count) tensors, \(tensorBytes) bytes) in "
                + "\(Int(loadSeconds * 1000)) ms; kernels \(kernelPathName())"
                + (weights?.repackedBytes ?? 0 > 0 ? "; \(weights!.repackedBytes) bytes repacked" : "")
                + (options.lockMemory && !vocabOnly ? "; weights locked in memory" : ""))
    }

    static func fingerprint(of gguf: GGUFFile) -> UInt64 {
        var h = StreamHash()
        h.update(value: UInt64(gguf.file.size))
        gguf.headerBytes.withUnsafeBytes { h.update($0) }
        for t in gguf.tensors {
            let n = min(64, t.byteCount)
            let p = gguf.data(of: t)
            h.update(UnsafeRawBufferPointer(start: p, count: n))
            h.update(UnsafeRawBufferPointer(start: p + t.byteCount - n, count: n))
        }
        return h.finish()
    }

    /// Elements and bytes of all tensors in the file.
    public var parameterCount: Int { gguf.tensors.reduce(0) { $0 + $1.elementCount } }
    public var tensorBytes: Int { gguf.tensors.reduce(0) { $0 + $1.byteCount } }
}

extension Model {
    /// The chat template to use when the caller names none: the file's
    /// `tokenizer.chat_template`, or, when the file has none, the built-in format of its
    /// family where there is one (`gemma` for gemma3: Google's GGUFs of Gemma 3 270M ship
    /// without a template, and llama.cpp's fallback, ChatML, is not a format Gemma was
    /// trained on). nil: ChatML, as llama.cpp does.
    public var chatTemplate: String? {
        if let t = tokenizer.chatTemplate { return t }
        if let a = try? Architecture.of(gguf), a == .gemma3 { return "gemma" }
        return nil
    }

    /// Tokens in the vocabulary (the tokenizer's count; equal to the embedding rows).
    public var vocabularySize: Int {
        tokenizer.vocabularySize
    }
}
