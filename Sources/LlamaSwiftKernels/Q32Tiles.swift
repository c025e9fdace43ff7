import LlamaSwiftFormats

/// Matrix × activation-rows kernels for the 32-element block types (Q4_0, Q4_1, Q5_0,
/// Q5_1, Q8_0) against 8-bit activations: a tile of R weight rows × T tokens per pass, so
/// each weight block is decoded once for T tokens and each activation block once for R
/// rows, with the R·T accumulators kept in registers.
///
/// Every output has exactly the floating-point operations of `Q32Reference` (the
/// llama.cpp AVX2 order): per block, 8 exact integer lane sums of 4 adjacent products,
/// each lane fused-multiply-added by (d_w·d_a) into its own float lane; the min terms of
/// Q4_1/Q5_1 fused-accumulated separately; the lanes reduced as
/// ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7)) and the min sum added last. The integer part may
/// be evaluated in any order (it is exact), so it is written for the vector units:
/// 16-bit lanes hold element pairs, products are summed pairwise into 32-bit lanes
/// (LLVM turns `madd` into `vpmaddwd`), and nothing converts between vector widths
/// through the standard library's generic conversions (those compile to scalar code).
/// Results are therefore bit-identical to the reference for any tile shape, row range or
/// token count, which keeps the engine's logits independent of threads and batching.
public enum Q32Tiles {
    /// The 32-element types the tiles multiply.
    static let types: Set<WeightType> = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0]

    /// out[t·outStride + r] = dot(row r, token t) for r in `o.rows`, t in 0..<o.tokens,
    /// against q8Blocks32 activations; `interleaved`: the weights are in the layout of
    /// `interleave` (rows in groups of 4).
    static func multiply(_ o: MatmulOperands, interleaved: Bool) {
        let a = o.quantized!
        let (w, rb, rows, tokens, qs, d, s, cols, out, ldo) = (
            o.weights, o.rowBytes, o.rows, o.tokens, a.values, a.scales, a.scaledSums, o.cols, o.out, o.outStride
        )
        switch o.type {
        case .q4_0: run(Q4_0Blocks.self, w, rb, rows, tokens, qs, d, s, cols, out, ldo, interleaved)
        case .q4_1: run(Q4_1Blocks.self, w, rb, rows, tokens, qs, d, s, cols, out, ldo, interleaved)
        case .q5_0: run(Q5_0Blocks.self, w, rb, rows, tokens, qs, d, s, cols, out, ldo, interleaved)
        case .q5_1: run(Q5_1Blocks.self, w, rb, rows, tokens, qs, d, s, cols, out, ldo, interleaved)
        case .q8_0: run(Q8_0Blocks.self, w, rb, rows, tokens, qs, d, s, cols, out, ldo, interleaved)
        default: preconditionFailure("Q32Tiles cannot multiply \(o.type)")
        }
    }

    /// Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 in the file's rows.
    public static let rowsLayout = WeightLayout(
        name: "32-element blocks in the file's rows", activations: .q8Blocks32,
        accepts: { type, _ in types.contains(type) },
        packing: nil, multiply: { multiply($0, interleaved: false) }, dequantizeRow: { Dequantize.row($0, $1, $2, $3) })

    /// The same types, rows a multiple of 4, interleaved by 4 rows (`interleave`): the same
    /// sums as `rowsLayout`; decode reads 4 rows as one sequential stream.
    public static let interleavedLayout = WeightLayout(
        name: "32-element blocks interleaved by 4 rows", activations: .q8Blocks32,
        accepts: { type, rows in types.contains(type) && rows > 0 && rows % 4 == 0 },
        packing: .init(
            bytes: { type, rows, cols in rows * (type.rowBytes(cols) ?? 0) },
            pack: {
                interleave(
                    $0.source, $0.destination, rows: $0.rows, rowBytes: $0.rowBytes, blockBytes: $0.type.blockBytes)
            }),
        multiply: { multiply($0, interleaved: true) })

    /// Decode (one token): one row per pass, so the weights are read as one sequential
    /// stream — measured on this machine's EPYC, 16-byte loads striding through one row
    /// reach ~13 GB/s while four rows read side by side reach ~6.7 GB/s, and decode is
    /// bound by exactly that (4 rows per pass, sharing the activation loads, decoded
    /// TinyLlama-shaped Q4_0 at 10.7 tokens/s, one row per pass at 15.7). Prefill: tiles
    /// of 4 rows × 2 tokens (16 vector registers on AVX2), with smaller tiles for the
    /// edges; there each weight block serves many tokens and compute dominates.
    @inline(__always)
    static func run<F: Q32Blocks>(
        _ f: F.Type, _ w: UnsafeRawPointer, _ rowBytes: Int, _ rows: Range<Int>, _ tokens: Int,
        _ qs: UnsafePointer<Int8>, _ d: UnsafePointer<Float>, _ s: UnsafePointer<Float>, _ cols: Int,
        _ out: UnsafeMutablePointer<Float>, _ ldo: Int, _ interleaved: Bool
    ) {
        let p = TileArgs(
            w: w, rowBytes: rowBytes, blockBytes: F.bytes, interleaved: interleaved, nb: cols / 32, qs: qs, d: d, s: s,
            cols: cols, out: out, ldo: ldo)
        var r = rows.lowerBound
        let hi = rows.upperBound
        if tokens == 1 {
            // Interleaved weights: a group of 4 rows is one sequential stream, and its 4
            // outputs are 4 independent accumulation chains.
            if interleaved {
                while r + 4 <= hi && r & 3 == 0 { tile4x1(f, p, r, 0); r += 4 }
            }
            while r < hi { tile1x1(f, p, r, 0); r += 1 }
            return
        }
        while r + tileRows <= hi {
            var t = 0
            while t + 2 <= tokens { tileMain(f, p, r, t); t += 2 }
            if t < tokens { tile4x1(f, p, r, t) }
            r += tileRows
        }
        while r < hi {
            var t = 0
            while t + 2 <= tokens { tile1x2(f, p, r, t); t += 2 }
            if t < tokens { tile1x1(f, p, r, t) }
            r += 1
        }
    }

    static var tileRows: Int { 4 }

    /// Copies a matrix of `rows` rows (a multiple of 4) of `rowBytes` bytes, made of
    /// blocks of `blockBytes`, into the interleaved layout of TileArgs: for each group of
    /// 4 rows, block 0 of the 4 rows, then block 1 of the 4 rows, … The same bytes,
    /// reordered, so that decode reads 4 rows as one sequential stream.
    public static func interleave(
        _ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, rows: Int, rowBytes: Int, blockBytes: Int
    ) {
        let nb = rowBytes / blockBytes
        // Blocks are 18 to 34 bytes: copied as 8-byte words plus a 2-byte tail, inline
        // (a memcpy call per block made loading TinyLlama-shaped Q4_0 take over a second).
        let words = blockBytes / 8, tail = blockBytes % 8
        for g in 0..<(rows / 4) {
            let from = src + g * 4 * rowBytes
            var to = dst + g * 4 * rowBytes
            for b in 0..<nb {
                for k in 0..<4 {
                    let f = from + k * rowBytes + b * blockBytes
                    for i in 0..<words {
                        to.storeBytes(
                            of: f.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self), toByteOffset: 8 * i,
                            as: UInt64.self)
                    }
                    for i in (8 * words)..<(8 * words + tail) {
                        to.storeBytes(of: f.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
                    }
                    to += blockBytes
                }
            }
        }
    }
    @inline(__always)
    static func tileMain<F: Q32Blocks>(_ f: F.Type, _ p: TileArgs, _ r0: Int, _ t0: Int) { tile4x2(f, p, r0, t0) }
}

/// Where the blocks of a weight matrix are: row by row as in the file, or interleaved
/// in groups of 4 rows (see `interleave`), where block b of row 4g+k is at
/// w + g·4·rowBytes + (4b + k)·blockBytes.
struct TileArgs {
    let w: UnsafeRawPointer
    let rowBytes: Int
    let blockBytes: Int
    let interleaved: Bool
    let nb: Int
    let qs: UnsafePointer<Int8>
    let d: UnsafePointer<Float>
    let s: UnsafePointer<Float>
    let cols: Int
    let out: UnsafeMutablePointer<Float>
    let ldo: Int

    /// Block 0 of row r.
    @inline(__always)
    func row(_ r: Int) -> UnsafeRawPointer {
        interleaved ? w + (r >> 2) * (rowBytes << 2) + (r & 3) * blockBytes : w + r * rowBytes
    }

    /// Bytes from block b to block b+1 of a row.
    @inline(__always)
    var blockStride: Int { interleaved ? blockBytes << 2 : blockBytes }
}

/// A 32-element block type: its size, whether it has a min term, how to decode a block
/// into the form `lanes` takes, and the 8 exact integer lane sums of a block against one
/// token's activations (lane k = Σ of the products of elements 4k…4k+3) as floats.
/// Two implementations: Q32BlocksPortable.swift (plain SIMD types, every CPU) and
/// Q32BlocksAVX2.swift (x86 intrinsics, the x86-64-v3 build). Both produce the same
/// integers, so the same floats.
protocol Q32Blocks {
    static var bytes: Int { get }
    static var hasMin: Bool { get }
    static func weights(_ blk: UnsafeRawPointer) -> WeightBlock
    static func lanes(_ w: WeightBlock, _ x: ActivationBlock) -> SIMD8<Float>
}

@inline(__always)
func hsum8(_ a: SIMD8<Float>) -> Float {
    ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
}
