import LlamaSwiftKernelSet

/// This build's kernels as one table (the same source in every CPU-level build, so each
/// build's table holds that build's functions).
public func kernelSet(name: String) -> KernelSet {
    KernelSet(
        name: name,
        q4_0: { QuantTiles.q4_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q4_1: { QuantTiles.q4_1($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q5_0: { QuantTiles.q5_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q5_1: { QuantTiles.q5_1($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q8_0: { QuantTiles.q8_0($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9, interleaved: $10) },
        q4_0Groups: { Q4_0Groups.run($0, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q5_0Groups: { Q5_0Groups.run($0, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q4_K: { QuantTiles.q4_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q5_K: { QuantTiles.q5_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q6_K: { QuantTiles.q6_K($0, rowBytes: $1, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q4_KGroups: { Q4_KGroups.run($0, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        q6_KGroups: { Q6_KGroups.run($0, rows: $2, tokens: $3, $4, $5, $6, cols: $7, $8, ldo: $9) },
        float: { QuantTiles.float(typeID: $0, $1, rowBytes: $2, rows: $3, tokens: $4, $5, cols: $6, $7, ldo: $8) },
        quantizeQ8: { ActivationQuantize.q8($0, $1, $2, $3, $4, $5) },
        quantizeQ8K: { ActivationQuantize.q8K($0, $1, $2, $3, $4) },
        attendHead: {
            AttentionKernels.head(
                q: $0, headDim: $1, last: $2, keys: $3, values: $4, rowBytes: $5, offset: $6, f16: $7, scale: $8,
                qbuf: $9, scores: $10, out: $11)
        })
}
