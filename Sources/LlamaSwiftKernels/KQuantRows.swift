import LlamaSwiftFormats

/// The file-order K-quant layout (Q4_K, Q5_K, Q6_K rows as in the file; `layout` below):
/// one weight row · one Q8_K activation row at a time. The baseline build runs the
/// reference loops of KQuantReference (KQuantRowsPortable.swift); the x86-64-v3 and v4
/// builds compute the same exact integer sums per block with AVX2 (KQuantRowsAVX2.swift:
/// `vpmaddubsw` for the byte products, `vpmaddwd` multiplying the 16-bit pair sums by the
/// sub-block scales), then exactly the reference's float operations — so both builds give
/// the same bits.
public enum KQuantRows {}

extension KQuantRows {
    /// Q4_K, Q5_K and Q6_K in the file's rows × q8Blocks256 activations, one row and one
    /// token at a time.
    public static let layout = WeightLayout(
        name: "K-quants in the file's rows", activations: .q8Blocks256,
        accepts: { type, _ in type == .q4_K || type == .q5_K || type == .q6_K }, packing: nil,
        multiply: { multiply($0) }, dequantizeRow: { Dequantize.row($0, $1, $2, $3) })

    /// The type is switched on once per call, so each loop calls one specialised row
    /// kernel (`five` a constant).
    static func multiply(_ o: MatmulOperands) {
        switch o.type {
        case .q4_K: eachRow(o) { q45_K($0, $1, $2, $3, $4, five: false) }
        case .q5_K: eachRow(o) { q45_K($0, $1, $2, $3, $4, five: true) }
        default: eachRow(o) { q6_K($0, $1, $2, $3, $4) }
        }
    }

    @inline(__always)
    static func eachRow(
        _ o: MatmulOperands,
        _ dot: (UnsafeRawPointer, UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Int32>, Int) -> Float
    ) {
        let a = o.quantized!
        let nb = o.cols / 256, cols = o.cols, qs = a.values, d = a.scales, bsums = a.sums
        for t in 0..<o.tokens {
            for r in o.rows {
                o.out[t * o.outStride + r] = dot(
                    o.weights + r * o.rowBytes, qs + t * cols, d + t * nb, bsums + t * nb * 16, nb)
            }
        }
    }
}
