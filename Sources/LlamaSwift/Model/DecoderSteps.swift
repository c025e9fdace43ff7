import LlamaSwiftKernels

/// Steps every family's forward pass shares (LlamaForward.swift, Gemma3Forward.swift):
/// per-token loops, biases, per-head norms, RoPE, the KV cache writes and attention.
extension Session {
    /// Runs `body(t)` for the chunk's tokens, split across the pool when there are
    /// several (element-wise per token, so the split cannot change a result).
    func perToken(_ n: Int, _ body: (Int) -> Void) {
        if n == 1 {
            body(0)
            return
        }
        pool.parallelFor(n) { range in
            for t in range { body(t) }
        }
    }

    /// Writes the chunk's rotated keys and its values into the cache rows start ..< start+n.
    func storeKV(layer: Int, start: Int, n: Int) {
        let KV = config.kvWidth
        let kRows = cache.rows(layer: layer, values: false), vRows = cache.rows(layer: layer, values: true)
        perToken(n) { t in
            let off = (start + t) * cache.rowBytes
            switch cache.type {
            case .f16:
                AttentionKernels.storeF16((kRows + off).assumingMemoryBound(to: UInt16.self), k.pointer + t * KV, KV)
                AttentionKernels.storeF16((vRows + off).assumingMemoryBound(to: UInt16.self), v.pointer + t * KV, KV)
            case .f32:
                (kRows + off).assumingMemoryBound(to: Float.self).update(from: k.pointer + t * KV, count: KV)
                (vRows + off).assumingMemoryBound(to: Float.self).update(from: v.pointer + t * KV, count: KV)
            }
        }
    }

    /// Causal attention for every (token, head) of the chunk — over every earlier position,
    /// or with `window` W > 0 over the last W (positions p−W+1 … p) — split across workers by
    /// (token, head) pairs dealt out in turn (token t attends to start+t+1 keys, so
    /// contiguous shares would give the last worker most of the work); each worker has
    /// its own row of `scores`.
    func attention(layer: Int, start: Int, n: Int, window: Int = 0) {
        let c = config
        let hd = c.headDim, Q = c.qWidth, nHead = c.headCount
        let group = c.headCount / c.headCountKV
        let scale = c.attentionScale
        let kRows = UnsafeRawPointer(cache.rows(layer: layer, values: false))
        let vRows = UnsafeRawPointer(cache.rows(layer: layer, values: true))
        let rowBytes = cache.rowBytes
        let f16 = cache.type == .f16
        let q = self.q.pointer, out = attnOut.pointer, scores = self.scores.pointer
        let ctx = contextLength
        let items = n * nHead
        let workers = pool.threadCount
        let kernels = KernelSet.active
        pool.run { w in
            let sc = scores + w * ctx
            // AttentionKernels.head: with an F16 cache the query and the attention weights
            // are rounded to F16 before they meet the cached rows, as llama.cpp's F16
            // matmuls do, which keeps our logits within float noise of llama.cpp's.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: hd) { qbuf in
                let qr = qbuf.baseAddress!
                for item in stride(from: w, to: items, by: workers) {
                    let t = item / nHead, h = item % nHead
                    let last = start + t
                    let first = window > 0 ? max(0, last - window + 1) : 0
                    let kvOffset = (h / group) * hd
                    kernels.attendHead(
                        AttentionOperands(
                            query: q + t * Q + h * hd, headDim: hd, last: last - first, keys: kRows + first * rowBytes,
                            values: vRows + first * rowBytes, rowBytes: rowBytes, kvOffset: kvOffset, f16: f16,
                            scale: scale, queryScratch: qr, scores: sc, out: out + t * Q + h * hd))
                }
            }
        }
    }

    /// x[t] += bias for each of the chunk's n rows of width `width` (no-op without a bias).
    func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>?, width: Int, n: Int) {
        guard let b = bias else { return }
        for t in 0..<n { Ops.add(x + t * width, b, width) }
    }

    /// RMSNorm of every head (width head_dim) of n rows of `heads` heads, in place (Gemma 3's
    /// Q/K norms).
    func normalizeHeads(_ x: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, heads: Int, n: Int) {
        let hd = config.headDim, eps = config.rmsEpsilon
        perToken(n) { t in
            for h in 0..<heads {
                let v = x + (t * heads + h) * hd
                Ops.rmsNorm(v, weight, v, hd, eps: eps)
            }
        }
    }

    /// Rotates the chunk's queries and keys with `rope`, whose (cos, sin) for the chunk's
    /// positions are in `table`.
    func rotate(_ rope: RoPE, table: UnsafeMutablePointer<Float>, n: Int) {
        let c = config
        let Q = c.qWidth, KV = c.kvWidth, rot = c.ropeDimensionCount
        let q = self.q.pointer, k = self.k.pointer
        perToken(n) { t in
            let tt = UnsafePointer(table + t * rot)
            rope.apply(q + t * Q, heads: c.headCount, headDim: c.headDim, table: tt)
            rope.apply(k + t * KV, heads: c.headCountKV, headDim: c.headDim, table: tt)
        }
    }
}

extension Session {
    /// logits = (RMSNorm(x) · output_norm)·W_outᵀ for the chunk's last token, or for all
    /// n tokens with logitsAll.
    func outputLogits(n: Int, logitsAll: Bool, into out: UnsafeMutablePointer<Float>) {
        let c = config, E = c.embeddingLength
        let x = self.x.pointer, xb = self.xb.pointer
        if logitsAll {
            for t in 0..<n { Ops.rmsNorm(x + t * E, weights.outputNorm, xb + t * E, E, eps: c.rmsEpsilon) }
            matmul.multiply(weights.output, matmul.quantize(xb, n, for: weights.output), into: out)
        } else {
            Ops.rmsNorm(x + (n - 1) * E, weights.outputNorm, xb, E, eps: c.rmsEpsilon)
            matmul.multiply(weights.output, matmul.quantize(xb, 1, for: weights.output), into: out)
        }
    }
}

extension Session {
    /// Between layers: a pending cancel, then NaN in the residual stream that the
    /// previous layer (or the embedding) produced for the chunk's n tokens.
    func checkLayer(_ layer: Int, n: Int) throws {
        try checkCancel()
        try checkFinite(
            x.pointer, count: n * config.embeddingLength,
            producedBy: layer == 0 ? "the token embedding" : "layer \(layer - 1)")
    }

    /// Throws FORMAT naming `producedBy` when `count` floats from `p` hold a NaN: only
    /// hostile or corrupt weights make one (a NaN or infinite weight or scale), and no
    /// token can be sampled from it. Infinities alone pass (softmax handles them).
    func checkFinite(_ p: UnsafePointer<Float>, count: Int, producedBy what: String) throws {
        var nan = false
        for i in 0..<count where p[i].isNaN {
            nan = true
            break
        }
        guard nan else { return }
        throw LlamaError(
            .format, "the model's weights produce NaN (not a number) in \(what): the file is corrupt or hostile")
    }
}
