import LlamaSwiftKernels
import LlamaSwiftFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Memory owned by a model read from a checkpoint folder: tensors that could not be used
/// in place (converted norm vectors, LLaMA 3 RoPE factors, misaligned data). 64-byte
/// aligned, freed with the model.
final class OwnedBytes {
    let base: UnsafeMutableRawPointer
    let count: Int

    init(count: Int) throws {
        guard let p = malloc_aligned(max(count, 1)) else {
            throw LlamaError(.outOfMemory, "cannot allocate \(count) bytes for a converted tensor")
        }
        base = p
        self.count = count
    }

    deinit { free(base) }
}

private func malloc_aligned(_ n: Int) -> UnsafeMutableRawPointer? {
    var p: UnsafeMutableRawPointer? = nil
    return posix_memalign(&p, 64, n) == 0 ? p : nil
}

/// A Hugging Face checkpoint folder read into a GGUFFile (source `.huggingFace`): the
/// `config.json` as the `<arch>.*` keys (HFConfig), the tokenizer files as the
/// `tokenizer.*` keys (HFTokenizer), and the safetensors tensors under their GGUF names
/// (HFTensorNames) with their data where it lies in the mapped shards. The rest of the
/// engine (ModelConfig, ModelWeights, Tokenizer) then reads the folder exactly as a GGUF
/// file, with the same validation.
///
/// Files: `config.json`; `model.safetensors`, or `model.safetensors.index.json` with the
/// shards its `weight_map` names (each a plain file name in the folder); `tokenizer.json`
/// (`tokenizer_config.json`, `generation_config.json`, `chat_template.jinja` optional).
///
/// In place (no copy): F32, F16 and BF16 matrices, and F32 vectors — Q and K rows stay in
/// Hugging Face's rotate-half order (ModelConfig.ropeStyle is `.halves` for every family
/// read from a folder). Copied: vectors in F16/BF16 (the engine's vectors are F32),
/// Gemma's RMSNorm weights (stored w, applied 1 + w: the copy holds 1 + w as llama.cpp's
/// converter writes it), LLaMA 3's `rope_freqs.weight` (computed from the config), and
/// any tensor whose data is not aligned to its element size.
///
/// Errors: IO for a missing file or shard; FORMAT for malformed JSON, safetensors or an
/// index naming a tensor its shard lacks; UNSUPPORTED for an architecture, dtype,
/// tokenizer or tensor the engine does not run, naming it.
enum CheckpointFolder {
    /// Limits on the JSON files: tokenizer.json of large vocabularies runs to ~35 MB
    /// (Gemma 3); the others are a few KB.
    static let maxTokenizerJSON = 128 << 20
    static let maxSmallJSON = 16 << 20

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Reads and parses a JSON file of at most `limit` bytes; nil when it does not exist
    /// and `optional`.
    static func json(_ path: String, limit: Int, optional: Bool = false) throws -> (JSONValue, [UInt8])? {
        if optional && !exists(path) { return nil }
        let f = try MappedFile(path: path)
        guard f.size <= limit else {
            throw LlamaError.format("'\(path)' is \(f.size) bytes, more than the \(limit) bytes allowed")
        }
        let bytes = UnsafeRawBufferPointer(start: f.base, count: f.size)
        let v = try JSONParser.parse(bytes, what: "'\(path)'")
        return (v, Array(bytes))
    }

    /// `quantizeTo` (Q8_0, Q4_0): every matrix whose rows are whole blocks is encoded
    /// into an owned copy of that type (WeightEncoding, ggml's reference roundings).
    /// When a Model then repacks the decoder matrices (RepackedWeights), the whole pages
    /// of those copies are released (`MADV_DONTNEED`, which zeroes anonymous memory):
    /// the forward pass reads the repacked copies only.
    static func load(folder: String, quantizeTo: WeightType? = nil, vocabOnly: Bool = false) throws -> GGUFFile {
        if let q = quantizeTo, q != .q8_0 && q != .q4_0 {
            throw LlamaError.invalid("weights can be quantized at load to Q8_0 or Q4_0, not \(q)")
        }
        let dir = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        guard let (config, configBytes) = try json(dir + "/config.json", limit: maxSmallJSON) else {
            throw LlamaError(.io, "'\(dir)/config.json' is missing")
        }
        let base = dir.split(separator: "/").last.map(String.init) ?? dir
        var hf = try HFConfig(config, name: base)
        let arch = hf.architecture
        var header: [UInt8] = configBytes

        // Shards.
        var shardNames: [String] = []
        var expected: [String: String]? = nil
        if let (index, bytes) = try json(dir + "/model.safetensors.index.json", limit: maxSmallJSON, optional: true) {
            header += bytes
            guard let map = index["weight_map"]?.object else {
                throw LlamaError.format("'\(dir)/model.safetensors.index.json' has no weight_map object")
            }
            var e: [String: String] = [:]
            for (name, v) in map.members {
                guard let file = v.string, Self.isPlainFileName(file) else {
                    throw LlamaError.format(
                        "model.safetensors.index.json: tensor '\(name)' names an invalid shard file")
                }
                e[name] = file
                if !shardNames.contains(file) { shardNames.append(file) }
            }
            guard !shardNames.isEmpty else { throw LlamaError.format("model.safetensors.index.json names no shards") }
            expected = e
        } else if exists(dir + "/model.safetensors") {
            shardNames = ["model.safetensors"]
        } else if vocabOnly {
            // A tokenizer-only folder read for its vocabulary.
        } else {
            throw LlamaError(.io, "'\(dir)' holds neither model.safetensors nor model.safetensors.index.json")
        }
        var shards: [SafetensorsFile] = []
        for name in shardNames {
            let path = dir + "/" + name
            guard exists(path) else {
                throw LlamaError(.io, "shard '\(path)' named by model.safetensors.index.json is missing")
            }
            let s = try SafetensorsFile(path: path)
            header += Array(UnsafeRawBufferPointer(start: s.file.base, count: s.dataOffset))
            shards.append(s)
        }

        // Tensors.
        var storages: [UnsafeRawPointer] = shards.map { $0.file.base }
        var owners: [AnyObject] = shards.map { $0.file }
        var infos: [GGUFFile.TensorInfo] = []
        var seen: [String: String] = [:]  // GGUF name → HF name
        func own(_ bytes: OwnedBytes) -> Int {
            storages.append(UnsafeRawPointer(bytes.base))
            owners.append(bytes)
            return storages.count - 1
        }
        for (si, shard) in shards.enumerated() {
            for t in shard.tensors {
                if let e = expected, e[t.name] != shardNames[si] {
                    throw LlamaError.format(
                        "tensor '\(t.name)' is in '\(shardNames[si])' but model.safetensors.index.json puts it in "
                            + "'\(e[t.name] ?? "no shard")'")
                }
                if HFTensorNames.isIgnored(t.name) { continue }
                if t.name == "lm_head.weight" && hf.tied { continue }
                guard let g = HFTensorNames.gguf(t.name, architecture: arch) else {
                    throw LlamaError.unsupported(
                        "tensor '\(t.name)' is not supported: the '\(arch.rawValue)' graph of this engine does not use it"
                    )
                }
                if let other = seen[g] {
                    throw LlamaError.format("tensors '\(other)' and '\(t.name)' both map to '\(g)'")
                }
                seen[g] = t.name
                guard let type = t.dtype.weightType else {
                    throw LlamaError.unsupported(
                        "tensor '\(t.name)' has dtype \(t.dtype.rawValue) (F32, F16 and BF16 are read)")
                }
                guard (1...2).contains(t.shape.count), t.shape.allSatisfy({ $0 > 0 }) else {
                    throw LlamaError.format(
                        "tensor '\(t.name)' has shape \(t.shape) (1 or 2 non-zero dimensions expected)")
                }
                let dims = Array(t.shape.reversed())
                let src = shard.data(of: t)
                let vector = t.shape.count == 1
                let shift = hf.normPlusOne && vector && g.hasSuffix("norm.weight")
                if vector && (type != .f32 || shift || Int(bitPattern: src) % 4 != 0) {
                    // An F32 copy: converted, and for Gemma's norms 1 + w.
                    let n = t.elementCount
                    let b = try OwnedBytes(count: n * 4)
                    let out = b.base.assumingMemoryBound(to: Float.self)
                    Dequantize.row(type, src, out, n)
                    if shift { for i in 0..<n { out[i] += 1 } }
                    infos.append(
                        .init(name: g, dims: dims, type: .f32, fileOffset: 0, byteCount: n * 4, storage: own(b)))
                } else if let q = quantizeTo, !vector, let rb = q.rowBytes(dims[0]) {
                    let rows = dims[1], cols = dims[0]
                    let b = try OwnedBytes(count: rb * rows)
                    var row = [Float](repeating: 0, count: cols)
                    row.withUnsafeMutableBufferPointer { r in
                        for i in 0..<rows {
                            Dequantize.row(type, src + i * cols * t.dtype.size, r.baseAddress!, cols)
                            WeightEncoding.encode(r.baseAddress!, cols, as: q, into: b.base + i * rb)
                        }
                    }
                    infos.append(
                        .init(name: g, dims: dims, type: q, fileOffset: 0, byteCount: rb * rows, storage: own(b)))
                } else if Int(bitPattern: src) % t.dtype.size != 0 {
                    let b = try OwnedBytes(count: t.byteCount)
                    b.base.copyMemory(from: src, byteCount: t.byteCount)
                    infos.append(
                        .init(name: g, dims: dims, type: type, fileOffset: 0, byteCount: t.byteCount, storage: own(b)))
                } else {
                    infos.append(
                        .init(
                            name: g, dims: dims, type: type, fileOffset: t.fileOffset, byteCount: t.byteCount,
                            storage: si))
                }
            }
        }
        if let e = expected {
            for (name, file) in e.sorted(by: { $0.key < $1.key }) {
                let si = shardNames.firstIndex(of: file)!
                guard shards[si].tensor(named: name) != nil else {
                    throw LlamaError.format(
                        "model.safetensors.index.json puts tensor '\(name)' in '\(file)', which lacks it")
                }
            }
        }
        if let f = hf.ropeFreqs {
            let b = try OwnedBytes(count: f.count * 4)
            f.withUnsafeBytes { b.base.copyMemory(from: $0.baseAddress!, byteCount: f.count * 4) }
            infos.append(
                .init(
                    name: "rope_freqs.weight", dims: [f.count], type: .f32, fileOffset: 0, byteCount: f.count * 4,
                    storage: own(b)))
        }

        // Tokenizer.
        guard let (tok, tokBytes) = try json(dir + "/tokenizer.json", limit: maxTokenizerJSON, optional: true) else {
            if exists(dir + "/tokenizer.model") {
                throw LlamaError.unsupported(
                    "'\(dir)' has a SentencePiece tokenizer.model but no tokenizer.json: tokenizer.model is not supported"
                )
            }
            throw LlamaError(.io, "'\(dir)/tokenizer.json' is missing")
        }
        header += tokBytes
        let tc = try json(dir + "/tokenizer_config.json", limit: maxTokenizerJSON, optional: true)
        let gc = try json(dir + "/generation_config.json", limit: maxSmallJSON, optional: true)
        header += (tc?.1 ?? []) + (gc?.1 ?? [])
        // The embedding's row count sizes the vocabulary (config vocab_size may be larger).
        let embRows = infos.first(where: { $0.name == "token_embd.weight" }).map { $0.dims.count == 2 ? $0.dims[1] : 0 }
        var meta = hf.metadata
        try HFTokenizer.write(
            into: &meta, tokenizer: tok, config: tc?.0, generation: gc?.0, modelConfig: config,
            vocabularySize: embRows ?? hf.vocabularySize)
        if let (jinja, _) = try text(dir + "/chat_template.jinja"), meta.values["tokenizer.chat_template"] == nil {
            meta.set("tokenizer.chat_template", string: jinja)
        }
        hf.metadata = meta
        return GGUFFile(
            file: try shards.first?.file ?? MappedFile(path: dir + "/tokenizer.json"),
            source: .huggingFace(folder: dir), keys: meta.keys, metadata: meta.values,
            tensors: infos, storages: storages, owners: owners, headerBytes: header)
    }

    static func text(_ path: String) throws -> (String, Int)? {
        guard exists(path) else { return nil }
        let f = try MappedFile(path: path)
        guard f.size <= maxSmallJSON else { throw LlamaError.format("'\(path)' is \(f.size) bytes: too large") }
        return (String(decoding: UnsafeRawBufferPointer(start: f.base, count: f.size), as: UTF8.self), f.size)
    }

    /// A shard name from an index: a file in the folder, not a path.
    static func isPlainFileName(_ s: String) -> Bool {
        !s.isEmpty && !s.contains("/") && s != "." && s != ".." && s.hasSuffix(".safetensors")
    }
}
