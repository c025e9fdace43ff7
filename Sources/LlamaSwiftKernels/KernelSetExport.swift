import LlamaSwiftFormats

/// This build's kernels as one table (the same source in every CPU-level build, so each
/// build's table holds that build's functions).
public func kernelSet(name: String) -> KernelSet {
    KernelSet(
        name: name, layouts: weightLayouts,
        quantizeBlocks32: { o in ActivationQuantize.q8(o.source, o.count, o.values, o.scales, o.scaledSums, o.sums) },
        quantizeBlocks256: { o in ActivationQuantize.q8K(o.source, o.count, o.values, o.scales, o.sums) },
        attendHead: { o in
            AttentionKernels.head(
                q: o.query, headDim: o.headDim, last: o.last, keys: o.keys, values: o.values, rowBytes: o.rowBytes,
                offset: o.kvOffset, f16: o.f16, scale: o.scale, qbuf: o.queryScratch, scores: o.scores, out: o.out)
        },
        attendGroup: { o in AttentionKernels.group(o) })
}

/// Every weight layout, best first: the loader gives a matrix the first that accepts it
/// (the file-order layouts last, and alone when repacking is off). A new layout is a
/// file defining its WeightLayout value, plus one line here.
let weightLayouts: [WeightLayout] = [
    Q4_0Groups.layout,
    Q4_1Groups.layout,
    Q5_0Groups.layout,
    Q4_KGroups.layout,
    Q6_KGroups.layout,
    Q32Tiles.interleavedLayout,
    Q32Tiles.rowsLayout,
    KQuantRows.layout,
    LowBitRows.layout256,
    LowBitRows.layoutIQ4NL,
    FloatDot.layout,
]
