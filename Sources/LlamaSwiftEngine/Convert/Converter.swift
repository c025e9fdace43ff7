import LlamaSwiftFormats

/// `llamaswift convert`: a Hugging Face checkpoint folder or a GGUF file → a GGUF file
/// llama.cpp loads, optionally retyped (`outType`) and with its key/value heads
/// mean-pooled into fewer groups (`kvHeads`).
///
/// **KV-head pooling** (the GQA paper's conversion, Ainslie et al. 2023, §2.2 "mean
/// pooling"): with H_kv key/value heads and G groups (G divides H_kv, n = H_kv / G), the
/// new head g of K (and of V) is the element-wise mean of the old heads g·n … g·n + n − 1:
/// rows [g·d, (g+1)·d) of `attn_k.weight` (H_kv·d × n_embd) become
/// (1/n) Σ_j rows [(g·n + j)·d, (g·n + j + 1)·d) — summed in float32 in head order, then
/// divided by n (numpy's `mean` on that axis). The same applies to K/V biases and to the
/// K and V parts of a fused `attn_qkv` (Phi-3). `<arch>.attention.head_count_kv` becomes
/// G; queries, outputs and every other tensor are unchanged. LLaMA GGUF files have Q/K
/// rows permuted within each head (see below); pooling whole heads commutes with a
/// permutation inside heads, so it is applied to the stored rows directly.
///
/// **RoPE layout**: a LLaMA folder's Q/K rows are in Hugging Face's rotate-half order, but
/// llama.cpp runs GGUF `llama` in adjacent-pair order, so its converter permutes them:
/// within each head of d rows, new row 2i + j = old row j·d/2 + i (i < d/2, j ∈ {0, 1}).
/// This writes the same permutation for a LLaMA folder (after pooling, over G heads for
/// K). The other families are rotate-half in GGUF too and are not permuted.
///
/// **Types**: vectors (norms, biases) are written F32. Matrices take `outType` when given
/// (F32, F16, BF16, Q8_0, Q4_0; a quantized type falls back to F16 for rows not a whole
/// number of 32-element blocks, as llama.cpp's quantizer does); otherwise a matrix keeps
/// its type and bytes, except that a pooled or permuted matrix of a type this writer
/// cannot produce (Q4_1, the K-quants, …) is requantized to Q8_0. WeightEncoding has the
/// roundings.
public enum Converter {
    public struct Report: Sendable {
        public var tensors = 0
        public var bytes = 0
        public var headCountKV = 0
        public var pooledFrom = 0
        /// Tensors whose type changed, by name.
        public var retyped: [String: String] = [:]
    }

    public static func convert(input: String, output: String, outType: WeightType?, kvHeads: Int?) throws -> Report {
        if let t = outType, !WeightEncoding.canEncode(t) {
            throw LlamaError.invalid("output type \(t) is not written (f32, f16, bf16, q8_0, q4_0)")
        }
        let src = try CheckpointFolder.isDirectory(input) ? CheckpointFolder.load(folder: input) : GGUFFile(path: input)
        guard let embd = src.tensor(named: "token_embd.weight"), embd.dims.count == 2 else {
            _ = try ModelConfig(gguf: src, vocabularySize: 1)
            throw LlamaError.format("missing or malformed tensor 'token_embd.weight'")
        }
        let c = try ModelConfig(gguf: src, vocabularySize: embd.dims[1])
        // Everything a load checks (tensor shapes and types, unread tensors, the
        // tokenizer) is checked before a byte is written: the transforms below index
        // rows by the config's widths.
        _ = try Tokenizer(gguf: src)
        _ = try ModelWeights(gguf: src, config: c, interleave: false)
        let a = c.architecture
        let d = c.headDim, hkv = c.headCountKV
        let G = kvHeads ?? hkv
        guard G >= 1, hkv % G == 0 else {
            throw LlamaError.invalid("--kv-heads \(G) must divide the model's \(hkv) key/value heads")
        }
        let n = hkv / G
        let permute = src.source != .gguf && a == .llama
        var report = Report()
        report.headCountKV = G
        report.pooledFrom = hkv

        /// Row transform of a tensor (floats rows × cols, row-major) → new row count.
        func pool(_ x: [Float], rowOffset: Int, cols: Int) -> [Float] {
            // x holds hkv·d rows starting at rowOffset; returns G·d rows.
            var out = [Float](repeating: 0, count: G * d * cols)
            for g in 0..<G {
                for r in 0..<d {
                    for col in 0..<cols {
                        var s: Float = 0
                        for j in 0..<n { s += x[(rowOffset + (g * n + j) * d + r) * cols + col] }
                        out[(g * d + r) * cols + col] = s / Float(n)
                    }
                }
            }
            return out
        }
        func permuted(_ x: [Float], heads: Int, cols: Int) -> [Float] {
            var out = x
            let half = d / 2
            for h in 0..<heads {
                for i in 0..<half {
                    for j in 0..<2 {
                        let to = (h * d + 2 * i + j) * cols, from = (h * d + j * half + i) * cols
                        for col in 0..<cols { out[to + col] = x[from + col] }
                    }
                }
            }
            return out
        }
        /// nil: the tensor is unchanged; else its new floats and row count.
        func transform(_ name: String, _ x: () -> [Float], rows: Int, cols: Int) -> ([Float], Int)? {
            let kind = name.split(separator: ".").dropFirst(2).first.map(String.init) ?? ""
            let pooling = G != hkv
            switch kind {
            case "attn_q" where permute:
                return (permuted(x(), heads: c.headCount, cols: cols), rows)
            case "attn_k" where pooling || permute:
                var v = x()
                if pooling { v = pool(v, rowOffset: 0, cols: cols) }
                if permute { v = permuted(v, heads: G, cols: cols) }
                return (v, G * d)
            case "attn_v" where pooling:
                return (pool(x(), rowOffset: 0, cols: cols), G * d)
            case "attn_qkv" where pooling:
                let v = x(), q = c.qWidth
                let k = pool(v, rowOffset: q, cols: cols), vv = pool(v, rowOffset: q + hkv * d, cols: cols)
                return (Array(v[0..<(q * cols)]) + k + vv, q + 2 * G * d)
            default:
                return nil
            }
        }

        var entries: [GGUFWriter.TensorEntry] = []
        var plans: [(src: GGUFFile.TensorInfo, floats: [Float]?, type: WeightType)] = []
        for t in src.tensors {
            let cols = t.dims[0]
            let rows = t.elementCount / max(cols, 1)
            let vector = t.dims.count == 1
            let decoded: () -> [Float] = {
                var f = [Float](repeating: 0, count: t.elementCount)
                let rb = t.type.rowBytes(cols) ?? 0
                f.withUnsafeMutableBufferPointer { o in
                    for r in 0..<rows {
                        WeightEncoding.decode(t.type, src.data(of: t) + r * rb, cols, into: o.baseAddress! + r * cols)
                    }
                }
                return f
            }
            // Types Dequantize.row cannot read (Q2_K, Q3_K, IQ4_*) are copied as they are,
            // or refused when they would have to be decoded.
            let kind = t.name.split(separator: ".").dropFirst(2).first.map(String.init) ?? ""
            let pooling = G != hkv
            let rewritten =
                (kind == "attn_q" && permute) || (kind == "attn_k" && (pooling || permute))
                || ((kind == "attn_v" || kind == "attn_qkv") && pooling)
            let retype = vector ? t.type != .f32 : outType.map { $0 != t.type } ?? false
            guard WeightEncoding.canDecode(t.type) || !(rewritten || retype) else {
                throw LlamaError.unsupported("tensor '\(t.name)' has type \(t.type), which convert cannot decode")
            }
            // A vector is one column of rows for the transforms (biases are per row).
            let changed = transform(t.name, decoded, rows: vector ? cols : rows, cols: vector ? 1 : cols)
            var type: WeightType
            if vector {
                type = .f32
            } else if let o = outType {
                type = o
                if o.blockElements > 1 && cols % o.blockElements != 0 { type = .f16 }
            } else if changed != nil && !WeightEncoding.canEncode(t.type) {
                type = cols % 32 == 0 ? .q8_0 : .f16
            } else {
                type = t.type
            }
            if !WeightEncoding.canDecode(t.type) && type != t.type { type = t.type }
            var dims = t.dims
            if let (_, newRows) = changed {
                if vector { dims = [newRows] } else { dims[1] = newRows }
            }
            let outRows = dims.count == 1 ? 1 : dims[1...].reduce(1, *)
            guard let rb = type.rowBytes(dims[0]) else {
                throw LlamaError.format(
                    "tensor '\(t.name)': \(dims[0]) columns are not a whole number of \(type) blocks")
            }
            if type != t.type { report.retyped[t.name] = "\(t.type) → \(type)" }
            entries.append(.init(name: t.name, dims: dims, type: type, byteCount: rb * outRows))
            plans.append((t, changed?.0, type))
        }

        var meta = src.metadata
        var keys = src.keys.filter { $0 != "general.alignment" }
        meta["general.alignment"] = nil
        func set(_ k: String, _ v: GGUFValue) {
            if meta.updateValue(v, forKey: k) == nil { keys.append(k) }
        }
        set(a.rawValue + ".attention.head_count_kv", .uint(UInt64(G), bits: 32))
        if let o = outType {
            // llama_ftype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q8_0 7, MOSTLY_BF16 32.
            let ftype: [WeightType: UInt64] = [.f32: 0, .f16: 1, .q4_0: 2, .q8_0: 7, .bf16: 32]
            set("general.file_type", .uint(ftype[o] ?? 0, bits: 32))
        }
        if entries.contains(where: { $0.type.blockElements > 1 }) {
            set("general.quantization_version", .uint(2, bits: 32))
        }

        try GGUFWriter.write(path: output, keys: keys, metadata: meta, tensors: entries) { i, out in
            let (t, floats, type) = plans[i]
            let e = entries[i]
            if floats == nil && type == t.type {
                out.copyMemory(from: src.data(of: t), byteCount: t.byteCount)
                return
            }
            let cols = e.dims[0]
            let rows = e.dims.count == 1 ? 1 : e.dims[1...].reduce(1, *)
            var f: [Float]
            if let floats {
                f = floats
            } else {
                f = [Float](repeating: 0, count: t.elementCount)
                let rb = t.type.rowBytes(t.dims[0]) ?? 0
                f.withUnsafeMutableBufferPointer { o in
                    for r in 0..<rows {
                        WeightEncoding.decode(t.type, src.data(of: t) + r * rb, cols, into: o.baseAddress! + r * cols)
                    }
                }
            }
            let rb = type.rowBytes(cols) ?? 0
            f.withUnsafeBufferPointer { x in
                for r in 0..<rows {
                    WeightEncoding.encode(x.baseAddress! + r * cols, cols, as: type, into: out + r * rb)
                }
            }
        }
        report.tensors = entries.count
        report.bytes = entries.reduce(0) { $0 + $1.byteCount }
        return report
    }
}
