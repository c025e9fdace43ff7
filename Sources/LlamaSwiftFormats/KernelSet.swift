/// The kernels of one build of the kernel sources, as a table.
///
/// The kernel sources (Sources/LlamaSwiftKernels) are compiled once per CPU level —
/// baseline x86-64 (or the portable build elsewhere), x86-64-v3 (AVX2, FMA, F16C) and
/// x86-64-v4 (AVX-512 with VNNI) — into separate modules through symlinked folders. Each
/// build fills this one table type with its own functions (KernelSetExport.swift, shared
/// by all builds), and the engine picks one table per process from CPUID. Every build
/// computes the same bits: integer sums are exact, every float multiply-add is a fused
/// `addProduct` (an instruction on v3/v4, a correctly rounded library `fma` on
/// baseline) and no reduction order depends on the vector width.
public struct KernelSet: Sendable {
    /// "x86-64-v4", "x86-64-v3", "x86-64" or "portable".
    public let name: String
    /// The weight layouts this build multiplies, best first: a matrix gets the first that
    /// accepts it (`layout(for:rows:packed:)`). The same list, in the same order, in every build.
    public let layouts: [WeightLayout]
    /// One row of floats to q8Blocks32 (ActivationQuantize.q8).
    public let quantizeBlocks32: @Sendable (QuantizeOperands) -> Void
    /// One row of floats to q8Blocks256 (ActivationQuantize.q8K).
    public let quantizeBlocks256: @Sendable (QuantizeOperands) -> Void
    /// Attention of one query head over the cache (AttentionKernels.head).
    public let attendHead: @Sendable (AttentionOperands) -> Void
    /// Attention of a group of query heads sharing a key/value head, for a tile of
    /// tokens, over an F16 cache, with every cache row read once per tile
    /// (AttentionKernels.group): rows of up to `exactRows` positions bit-identical to
    /// attendHead's for that head and token, longer ones by the tiled form, whose bits
    /// depend on neither the tile, the heads taken together nor the split (AttentionPass).
    public let attendGroup: @Sendable (AttentionGroupOperands) -> Void

    public init(
        name: String, layouts: [WeightLayout], quantizeBlocks32: @escaping @Sendable (QuantizeOperands) -> Void,
        quantizeBlocks256: @escaping @Sendable (QuantizeOperands) -> Void,
        attendHead: @escaping @Sendable (AttentionOperands) -> Void,
        attendGroup: @escaping @Sendable (AttentionGroupOperands) -> Void
    ) {
        self.name = name
        self.layouts = layouts
        self.quantizeBlocks32 = quantizeBlocks32
        self.quantizeBlocks256 = quantizeBlocks256
        self.attendHead = attendHead
        self.attendGroup = attendGroup
    }

    /// The first layout that holds a matrix of `type` with `rows` rows; with `packed`
    /// false, the first that uses the file's rows in place. nil: no kernel multiplies `type`.
    public func layout(for type: WeightType, rows: Int, packed: Bool) -> WeightLayout? {
        layouts.first { (packed || $0.isFileOrder) && $0.accepts(type, rows) }
    }

    /// Quantizes one row of `count` floats into `format` (not `.float`).
    @inline(__always)
    public func quantize(_ format: ActivationFormat, _ o: QuantizeOperands) {
        if format == .q8Blocks32 { quantizeBlocks32(o) } else { quantizeBlocks256(o) }
    }
}

/// One activation row to quantize and where its blocks go (see QuantizedRows for what
/// each holds per format; `scaledSums` is written for q8Blocks32 only).
public struct QuantizeOperands: @unchecked Sendable {
    public var source: UnsafePointer<Float>
    public var count: Int
    public var values: UnsafeMutablePointer<Int8>
    public var scales: UnsafeMutablePointer<Float>
    public var scaledSums: UnsafeMutablePointer<Float>
    public var sums: UnsafeMutablePointer<Int32>

    public init(
        source: UnsafePointer<Float>, count: Int, values: UnsafeMutablePointer<Int8>,
        scales: UnsafeMutablePointer<Float>,
        scaledSums: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Int32>
    ) {
        self.source = source
        self.count = count
        self.values = values
        self.scales = scales
        self.scaledSums = scaledSums
        self.sums = sums
    }
}

/// One query head attending to cache positions first…first+last (AttentionKernels.head).
public struct AttentionOperands: @unchecked Sendable {
    /// headDim floats.
    public var query: UnsafePointer<Float>
    public var headDim: Int
    /// Positions attended, minus one: the rows keys…keys + last·rowBytes.
    public var last: Int
    /// The first attended cache row of keys and of values.
    public var keys: UnsafeRawPointer
    public var values: UnsafeRawPointer
    /// Bytes from one cache row (position) to the next.
    public var rowBytes: Int
    /// Elements from a row's start to this head's key/value head.
    public var kvOffset: Int
    /// The cache holds F16 (else F32).
    public var f16: Bool
    public var scale: Float
    /// Scratch: headDim floats, and last + 1 floats.
    public var queryScratch: UnsafeMutablePointer<Float>
    public var scores: UnsafeMutablePointer<Float>
    /// headDim floats.
    public var out: UnsafeMutablePointer<Float>

    public init(
        query: UnsafePointer<Float>, headDim: Int, last: Int, keys: UnsafeRawPointer, values: UnsafeRawPointer,
        rowBytes: Int, kvOffset: Int, f16: Bool, scale: Float, queryScratch: UnsafeMutablePointer<Float>,
        scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        self.query = query
        self.headDim = headDim
        self.last = last
        self.keys = keys
        self.values = values
        self.rowBytes = rowBytes
        self.kvOffset = kvOffset
        self.f16 = f16
        self.scale = scale
        self.queryScratch = queryScratch
        self.scores = scores
        self.out = out
    }
}

/// Causal attention of the query heads that share one key/value head, for `tokens`
/// consecutive tokens of one sequence, over an F16 or Q8_0 cache (AttentionKernels.group). Query
/// (and output) row of token t, head g of the group: `queries + t·tokenStride + g·headDim`.
/// Token t sits at position `firstPosition + t` and attends to the cache rows
/// max(0, position − window + 1) … position (all earlier rows when window is 0).
public struct AttentionGroupOperands: @unchecked Sendable {
    public var queries: UnsafePointer<Float>
    /// Query heads attended here: a group's (n_head / n_head_kv) heads sharing the
    /// key/value head, or consecutive part of them.
    public var heads: Int
    public var tokens: Int
    /// Floats from one token's queries (and outputs) to the next's.
    public var tokenStride: Int
    public var headDim: Int
    public var firstPosition: Int
    /// Sliding-window length in positions; 0 = no window.
    public var window: Int
    /// Cache row 0 of the keys and of the values; key rows are `rowBytes` apart, value
    /// rows `valueRowBytes`, and this group's head starts at element `kvOffset` of a row.
    public var keys: UnsafeRawPointer
    public var values: UnsafeRawPointer
    public var rowBytes: Int
    public var valueRowBytes: Int
    public var kvOffset: Int
    /// How the key and the value rows are stored (kvOffset a multiple of 32 for Q8_0).
    public var keyFormat: KVRowFormat
    public var valueFormat: KVRowFormat
    public var scale: Float
    /// Scratch: heads·tokens·headDim floats (the queries rounded to F16), headDim floats
    /// (one key row as floats), and heads·tokens·(rows attended by the tile) floats.
    public var queryScratch: UnsafeMutablePointer<Float>
    public var keyScratch: UnsafeMutablePointer<Float>
    public var scores: UnsafeMutablePointer<Float>
    public var out: UnsafeMutablePointer<Float>
    /// Tokens attending to at most this many rows use the exact form (llama.cpp's
    /// roundings, a softmax over the whole score row); longer rows use the tiled form
    /// (AttentionKernels.tiled: running max and sum over key blocks). The choice depends
    /// only on the token's row count, so no tile or split changes which form a token gets.
    public var exactRows: Int
    /// What this call computes (AttentionPass); `.whole` unless a decode step is split
    /// over the cache.
    public var pass: AttentionPass
    /// For `.segment` and `.merge`: each segment's partial state, per query m = t·heads + g
    /// (headDim + 2 floats: running max, running sum, unnormalised output), segment s at
    /// `s · heads · tokens · (headDim + 2)` floats.
    public var partials: UnsafeMutablePointer<Float>?

    /// Keys per segment of the tiled form: segments start at multiples of this position,
    /// each is reduced from a fresh running max and sum, and the segments are merged in
    /// position order — so a decode step may compute segments on different workers.
    public static let segmentLength = 256
    /// The default `exactRows`: rows within one segment keep the exact form.
    public static let defaultExactRows = 256

    public init(
        queries: UnsafePointer<Float>, heads: Int, tokens: Int, tokenStride: Int, headDim: Int, firstPosition: Int,
        window: Int, keys: UnsafeRawPointer, values: UnsafeRawPointer, rowBytes: Int, kvOffset: Int, scale: Float,
        queryScratch: UnsafeMutablePointer<Float>, keyScratch: UnsafeMutablePointer<Float>,
        scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
        exactRows: Int = AttentionGroupOperands.defaultExactRows, pass: AttentionPass = .whole,
        partials: UnsafeMutablePointer<Float>? = nil, keyFormat: KVRowFormat = .f16, valueFormat: KVRowFormat = .f16,
        valueRowBytes: Int? = nil
    ) {
        self.keyFormat = keyFormat
        self.valueFormat = valueFormat
        self.valueRowBytes = valueRowBytes ?? rowBytes
        self.exactRows = exactRows
        self.pass = pass
        self.partials = partials
        self.queries = queries
        self.heads = heads
        self.tokens = tokens
        self.tokenStride = tokenStride
        self.headDim = headDim
        self.firstPosition = firstPosition
        self.window = window
        self.keys = keys
        self.values = values
        self.rowBytes = rowBytes
        self.kvOffset = kvOffset
        self.scale = scale
        self.queryScratch = queryScratch
        self.keyScratch = keyScratch
        self.scores = scores
        self.out = out
    }

    /// The first cache row token t attends to.
    @inline(__always)
    public func firstRow(_ t: Int) -> Int { window > 0 ? max(0, firstPosition + t - window + 1) : 0 }

    /// Rows from the tile's first attended row to its last position: the length of each
    /// query's row in `scores`.
    public var span: Int { firstPosition + tokens - firstRow(0) }

    /// Start of this group's head in key row p and in value row p.
    @inlinable @inline(__always)
    public func keyHead(_ p: Int) -> UnsafeRawPointer { keys + p * rowBytes + keyFormat.bytes(kvOffset) }
    @inlinable @inline(__always)
    public func valueHead(_ p: Int) -> UnsafeRawPointer { values + p * valueRowBytes + valueFormat.bytes(kvOffset) }

    /// Rows token t attends to.
    @inline(__always)
    public func rowCount(_ t: Int) -> Int { firstPosition + t - firstRow(t) + 1 }

    /// Floats of scratch (from `scores`) the tiled form uses for `queries` queries of
    /// head size `headDim`.
    public static func tiledScratchFloats(headDim hd: Int, queries: Int) -> Int {
        33 * hd + 3 * queries * hd + 20 * queries + (queries / 8 + 1) * (24 * hd + 192)
    }
}

/// The part of AttentionKernels.group a call computes.
public enum AttentionPass: Sendable, Equatable {
    /// Every output of the tile.
    case whole
    /// For every query of the tile (all of whose tokens use the tiled form): the partial
    /// state of segment s (AttentionGroupOperands.segmentLength) into `partials`.
    case segment(Int)
    /// The outputs, from the first `segments` segments' partial states in `partials`
    /// (tiled tokens) or the exact form (the others).
    case merge(segments: Int)
}
