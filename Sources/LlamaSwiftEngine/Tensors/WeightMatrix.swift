/// A 2-D weight matrix: `rows` rows of `cols` elements of `type`, `rowBytes` bytes a row
/// in the file's order, stored in `layout` (WeightLayout: the file's rows in place from
/// the mapping, or a copy in a layout its kernel reads faster). (ggml stores a matrix
/// with dims [cols, rows]: dims[0] is contiguous.)
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: WeightType
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int
    public private(set) var data: UnsafeRawPointer
    /// How the blocks at `data` are ordered and multiplied. In a packed layout they are a
    /// copy owned by the model, not in the file's row order, and `row(_:)` is invalid.
    public private(set) var layout: WeightLayout

    init(
        name: String, type: WeightType, rows: Int, cols: Int, rowBytes: Int, data: UnsafeRawPointer,
        layout: WeightLayout
    ) {
        self.name = name
        self.type = type
        self.rows = rows
        self.cols = cols
        self.rowBytes = rowBytes
        self.data = data
        self.layout = layout
    }

    /// Row r in the file's order (file-order layouts only).
    public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }

    /// Rows first ..< first+count as a matrix of their own (a view into the same data):
    /// how a fused tensor (Phi-3's attn_qkv, its gate·up) becomes its parts.
    func rows(_ first: Int, _ count: Int) throws -> WeightMatrix {
        guard layout.isFileOrder, first >= 0, count > 0, first + count <= rows else {
            throw LlamaError.format("tensor '\(name)': rows \(first)..<\(first + count) are out of range")
        }
        return WeightMatrix(
            name: "\(name)[\(first)..<\(first + count)]", type: type, rows: count, cols: cols, rowBytes: rowBytes,
            data: data + first * rowBytes, layout: layout)
    }

    /// The layout the matmul kernels read fastest, if it is a packed copy (the first layout
    /// of the active kernel build that accepts this matrix).
    var packedLayout: WeightLayout? {
        guard let l = KernelSet.active.layout(for: type, rows: rows, packed: true), !l.isFileOrder else { return nil }
        return l
    }

    /// Points the matrix at a copy of its blocks in `layout`.
    mutating func use(_ p: UnsafeRawPointer, layout: WeightLayout) {
        data = p
        self.layout = layout
    }
}
