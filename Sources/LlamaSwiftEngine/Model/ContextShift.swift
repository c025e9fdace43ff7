import LlamaSwiftKernels

/// Context shift, as llama.cpp's (`llama_memory_seq_rm` then `llama_memory_seq_add`): a
/// full session drops `discard` tokens after its first `keep` and moves the later ones
/// down by `discard` positions, so generation continues where it would have stopped.
///
/// A cached key at position p was rotated by RoPE's angle p·θᵢ for each pair i; RoPE is
/// a rotation, so R((p − d)·θᵢ) = R(−d·θᵢ)·R(p·θᵢ): rotating the stored key by −d
/// positions gives exactly the key a token at p − d would have stored (up to the
/// cache's rounding: an F16 or Q8_0 row is read, rotated in F32 and rounded or
/// quantized again, as llama.cpp does). Values carry no position and move as they are. The model now sees a text with
/// a hole — what context shift is: an approximation that keeps a chat going, not the
/// logits of any unbroken sequence.
extension Session {
    /// Drops the tokens keep ..< keep + discard and moves the rest of the cache down.
    /// The logits of the last decode stay (llama.cpp keeps them too: they are the next
    /// token's distribution, computed before the shift).
    /// Errors: INVALID_ARGUMENT (keep + discard beyond the position, discard 0),
    /// UNSUPPORTED (dynamic NTK RoPE: its keys were rotated with per-call bases).
    public func shiftContext(keep: Int, discard: Int) throws {
        guard keep >= 0, discard > 0, discard <= position - keep else {
            throw LlamaError(
                .invalidArgument,
                "cannot drop \(discard) tokens after the first \(keep): the session holds \(position) tokens")
        }
        for r in [rope, ropeLocal].compactMap({ $0 }) {
            if case .dynamic = r.scaling {
                throw LlamaError(.unsupported, "context shift with dynamic NTK RoPE scaling is not supported")
            }
        }
        let c = config
        let rot = c.ropeDimensionCount, KV = c.kvWidth
        let moved = position - keep - discard
        // The (cos, sin) of −discard positions, per RoPE (global and sliding-window layers).
        var back = [Float](repeating: 0, count: rot), backLocal = back
        rope.fillTable(&back, start: -discard, count: 1, seqLen: position)
        (ropeLocal ?? rope).fillTable(&backLocal, start: -discard, count: 1, seqLen: position)
        let cache = self.cache
        let kBytes = cache.keyRowBytes, vBytes = cache.valueRowBytes, kType = cache.keyType
        // Layers in parallel; within a layer rows in ascending order, so each row is read
        // before a later one overwrites it (row keep + i receives row keep + discard + i).
        back.withUnsafeBufferPointer { back in
            backLocal.withUnsafeBufferPointer { backLocal in
                pool.parallelFor(c.blockCount) { layers in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: KV) { buf in
                        let row = buf.baseAddress!
                        for layer in layers {
                            let local = c.slidingWindow > 0 && c.isLocalLayer[layer]
                            let table = (local ? backLocal : back).baseAddress!
                            let kRows = cache.rows(layer: layer, values: false)
                            let vRows = cache.rows(layer: layer, values: true)
                            for i in 0..<moved {
                                let from = keep + discard + i, to = keep + i
                                kType.load(kRows + from * kBytes, row, KV)
                                rope.apply(row, heads: c.headCountKV, headDim: c.headDim, table: table)
                                kType.store(row, kRows + to * kBytes, KV)
                                (vRows + to * vBytes).copyMemory(from: vRows + from * vBytes, byteCount: vBytes)
                            }
                        }
                    }
                }
            }
        }
        tokens.removeSubrange(keep..<(keep + discard))
    }
}

/// Prefix sharing: a session starts from another's first positions — a common system
/// prompt evaluated once — by copying their cached rows instead of recomputing them. A
/// cached row depends only on the tokens up to it, the model, the KV type and RoPE, so
/// with those equal the copy is exactly what this session would have computed.
extension Session {
    /// Replaces this session's contents with the first `count` tokens of `source` and
    /// their K/V rows. Logits become unavailable until the next decode.
    /// Errors: INVALID_ARGUMENT (source is this session; another model, KV type or RoPE
    /// settings; count beyond the source's position or this session's n_ctx).
    public func copyPrefix(from source: Session, count: Int) throws {
        guard source !== self else { throw LlamaError(.invalidArgument, "a session cannot copy its own prefix") }
        guard source.model === model, source.cache.keyType == cache.keyType,
            source.cache.valueType == cache.valueType, source.rope.base == rope.base,
            source.rope.scaling == rope.scaling
        else {
            throw LlamaError(
                .invalidArgument,
                "the sessions differ in model handle, KV cache type or RoPE settings: no prefix to share")
        }
        guard count >= 0, count <= source.position, count <= contextLength else {
            throw LlamaError(
                .invalidArgument,
                "cannot copy \(count) tokens: the source holds \(source.position), this session's n_ctx is \(contextLength)"
            )
        }
        for layer in 0..<config.blockCount {
            for values in [false, true] {
                cache.rows(layer: layer, values: values).copyMemory(
                    from: source.cache.rows(layer: layer, values: values),
                    byteCount: count * cache.rowBytes(values: values))
            }
        }
        tokens.removeAll(keepingCapacity: true)
        tokens.append(contentsOf: source.tokens[0..<count])
        logitsCount = 0
        embeddingRows = 0
    }
}
