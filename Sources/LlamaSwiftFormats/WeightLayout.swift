/// How a weight matrix is stored in memory and multiplied: one value per layout.
///
/// A layout says which weight types and shapes it holds (`accepts`), whether it is the
/// file's own row order used in place (`packing == nil`) or a copy made at load
/// (`packing`: its size and how to write it), which activation format its kernel reads
/// (`activations`), and how to multiply (`multiply`). Each kernel build lists its layouts
/// best first (`KernelSet.layouts`, filled by LlamaSwiftKernels/KernelSetExport.swift);
/// the loader gives each matrix the first layout that accepts it. Adding a layout is one
/// file in LlamaSwiftKernels defining its value, plus one line in that list.
public struct WeightLayout: Sendable {
    /// What the layout is, for messages and tests: "Q4_0 in groups of 8 rows".
    public let name: String
    /// The form of the activation rows `multiply` reads.
    public let activations: ActivationFormat
    /// Whether a matrix of this type with this many rows can be held in this layout (the
    /// loader has checked that a row is a whole number of blocks).
    public let accepts: @Sendable (_ type: WeightType, _ rows: Int) -> Bool
    /// nil: the file's rows, used in place from the mapping. Otherwise the copy's size
    /// and how to write it.
    public let packing: Packing?
    /// out[t·outStride + r] = dot(row r, activation row t) for r in `rows`, t < tokens.
    public let multiply: @Sendable (MatmulOperands) -> Void
    /// The values of row r as floats (file-order layouts only: embedding lookups).
    public let dequantizeRow:
        (
            @Sendable (_ type: WeightType, _ row: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ count: Int) ->
                Void
        )?

    public struct Packing: Sendable {
        /// Bytes of the copy of a rows × cols matrix.
        public let bytes: @Sendable (_ type: WeightType, _ rows: Int, _ cols: Int) -> Int
        /// Writes the copy of `source` (the file's rows) to `destination`.
        public let pack: @Sendable (PackOperands) -> Void

        public init(
            bytes: @escaping @Sendable (_ type: WeightType, _ rows: Int, _ cols: Int) -> Int,
            pack: @escaping @Sendable (PackOperands) -> Void
        ) {
            self.bytes = bytes
            self.pack = pack
        }
    }

    public init(
        name: String, activations: ActivationFormat,
        accepts: @escaping @Sendable (_ type: WeightType, _ rows: Int) -> Bool,
        packing: Packing?, multiply: @escaping @Sendable (MatmulOperands) -> Void,
        dequantizeRow: (@Sendable (WeightType, UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void)? = nil
    ) {
        self.name = name
        self.activations = activations
        self.accepts = accepts
        self.packing = packing
        self.multiply = multiply
        self.dequantizeRow = dequantizeRow
    }

    /// The file's row order, used in place (no copy).
    public var isFileOrder: Bool { packing == nil }
}

/// What a weight layout's kernel multiplies with (ActivationQuantize in LlamaSwiftKernels
/// describes the roundings, which are llama.cpp's).
public enum ActivationFormat: Sendable, Equatable {
    /// The float rows as they are (F32, F16 and BF16 weights).
    case float
    /// 8-bit values in blocks of 32: per block a half-precision scale, the scale times the
    /// integer sum (rounded to half) and the integer sum (llama.cpp's Q8_0/Q8_1; read by
    /// the 32-element types).
    case q8Blocks32
    /// 8-bit values in blocks of 256: per block a float scale, per 16 values the integer
    /// sum (llama.cpp's Q8_K; read by the K-quants).
    case q8Blocks256

    /// Elements per block (1 for floats).
    public var blockElements: Int {
        switch self {
        case .float: 1
        case .q8Blocks32: 32
        case .q8Blocks256: 256
        }
    }
}

/// `tokens` activation rows of `cols` values quantized to one ActivationFormat. Token t's
/// values are at values + t·cols, its block scales at scales + t·(cols / blockElements),
/// its scaled sums (q8Blocks32 only) at scaledSums + t·(cols / 32), its integer sums at
/// sums + t·(cols / 32) (q8Blocks32: one per block) or sums + t·(cols / 16) (q8Blocks256:
/// one per 16 values).
public struct QuantizedRows: @unchecked Sendable {
    public let format: ActivationFormat
    public let values: UnsafePointer<Int8>
    public let scales: UnsafePointer<Float>
    public let scaledSums: UnsafePointer<Float>
    public let sums: UnsafePointer<Int32>

    public init(
        format: ActivationFormat, values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
        scaledSums: UnsafePointer<Float>, sums: UnsafePointer<Int32>
    ) {
        self.format = format
        self.values = values
        self.scales = scales
        self.scaledSums = scaledSums
        self.sums = sums
    }
}

/// The operands of one matrix × activation-rows call: a worker's share of output rows.
public struct MatmulOperands: @unchecked Sendable {
    /// The matrix, in the called layout's order.
    public var weights: UnsafeRawPointer
    public var type: WeightType
    /// Bytes of one row in the file's order (`type.rowBytes(cols)`).
    public var rowBytes: Int
    /// Elements per row (and per activation row).
    public var cols: Int
    /// The output rows to compute (for row-group layouts whole groups: both ends are
    /// multiples of the group size).
    public var rows: Range<Int>
    public var tokens: Int
    /// The float activation rows, token t at floats + t·cols (read by `.float` layouts).
    public var floats: UnsafePointer<Float>
    /// The same rows in the layout's quantized format (nil for `.float` layouts).
    public var quantized: QuantizedRows?
    /// Output of row r for token t: out[t·outStride + r].
    public var out: UnsafeMutablePointer<Float>
    public var outStride: Int

    public init(
        weights: UnsafeRawPointer, type: WeightType, rowBytes: Int, cols: Int, rows: Range<Int>, tokens: Int,
        floats: UnsafePointer<Float>, quantized: QuantizedRows?, out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        self.weights = weights
        self.type = type
        self.rowBytes = rowBytes
        self.cols = cols
        self.rows = rows
        self.tokens = tokens
        self.floats = floats
        self.quantized = quantized
        self.out = out
        self.outStride = outStride
    }
}

/// The operands of a layout's packing: the file's rows in, the layout's copy out.
public struct PackOperands: @unchecked Sendable {
    public var source: UnsafeRawPointer
    public var destination: UnsafeMutableRawPointer
    public var type: WeightType
    public var rows: Int
    public var cols: Int
    /// Bytes of one source row (`type.rowBytes(cols)`).
    public var rowBytes: Int

    public init(
        source: UnsafeRawPointer, destination: UnsafeMutableRawPointer, type: WeightType, rows: Int, cols: Int,
        rowBytes: Int
    ) {
        self.source = source
        self.destination = destination
        self.type = type
        self.rows = rows
        self.cols = cols
        self.rowBytes = rowBytes
    }
}
