import LlamaSwiftFormats
@testable import LlamaSwiftEngine

/// Calling a kernel build's weight layouts from test arrays.
extension KernelSet {
    /// The layout of this build named `name` (WeightLayout.name); fails the test when absent.
    func layout(named name: String) -> WeightLayout {
        guard let l = layouts.first(where: { $0.name == name }) else {
            preconditionFailure("no layout '\(name)' in \(self.name)")
        }
        return l
    }
}

extension WeightLayout {
    /// out[t·outStride + r] for r in `rows`, from weights already in this layout and
    /// activations in its format (q8Blocks32: scales, scaledSums, sums per 32; q8Blocks256:
    /// scales per 256, sums per 16).
    func callMultiply(
        _ w: UnsafeRawPointer, type: WeightType, cols: Int, rows: Range<Int>, tokens: Int, values: UnsafePointer<Int8>,
        scales: UnsafePointer<Float>, scaledSums: UnsafePointer<Float>? = nil, sums: UnsafePointer<Int32>? = nil,
        floats: UnsafePointer<Float>? = nil, out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        let none = UnsafePointer<Float>(bitPattern: 16)!
        let q = QuantizedRows(
            format: activations, values: values, scales: scales, scaledSums: scaledSums ?? none,
            sums: sums ?? UnsafePointer<Int32>(bitPattern: 16)!)
        multiply(
            MatmulOperands(
                weights: w, type: type, rowBytes: type.rowBytes(cols)!, cols: cols, rows: rows, tokens: tokens,
                floats: floats ?? none, quantized: q, out: out, outStride: outStride))
    }
}
