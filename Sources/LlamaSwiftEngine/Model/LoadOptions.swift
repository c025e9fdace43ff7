import LlamaSwiftFormats

/// How a model is loaded (the engine side of `llamaswift_model_params`).
public struct LoadOptions {
    /// Load only the tokenizer: no weights are checked or used.
    public var vocabOnly = false
    /// Lock the weights in memory (`mlock`) so the kernel never pages them out: the
    /// mapped tensors the forward pass reads in place and the repacked copies.
    public var lockMemory = false
    /// Called on the loading thread with the fraction done (0 first, 1 last, increasing);
    /// returning false cancels the load (CANCELLED).
    public var progress: ((Double) -> Bool)? = nil
    /// Hugging Face checkpoint folders only: quantize every matrix to this type at load
    /// (Q8_0 or Q4_0; matrices whose rows are not whole 32-element blocks stay as stored).
    /// nil: F32/F16/BF16 matrices are used in place from the mapped safetensors. GGUF
    /// files are always used as stored.
    public var quantizeTo: WeightType? = nil
    /// Copy the matrices into the kernels' packed layouts (row groups, interleaved rows) at
    /// load (RepackedWeights). false: every matrix is read in the file's layout, summed in
    /// llama.cpp's `vec_dot` order (slower; for comparisons with llama.cpp's logits, as
    /// LLAMASWIFT_REPACK=0 in the environment).
    public var repack = true

    public init() {}
}

/// Progress of one load: maps the fraction of the current phase (repacking, locking)
/// onto 0…1, reports only increases of at least 1/200 (and 0 and 1), and remembers a
/// callback's wish to stop. Loading thread only.
final class LoadProgress {
    private let callback: ((Double) -> Bool)?
    private(set) var cancelled = false
    private var last = -1.0
    /// The current phase covers base ..< base + span of the whole load.
    var base = 0.0
    var span = 1.0

    init(_ callback: ((Double) -> Bool)?) { self.callback = callback }

    /// Reports `fraction` (0…1) of the current phase.
    func report(_ fraction: Double) {
        guard let callback, !cancelled else { return }
        let v = min(1, max(0, base + span * min(1, max(0, fraction))))
        guard last < 0 || v >= 1 || v - last >= 0.005, v > last else { return }
        last = v
        if !callback(v) { cancelled = true }
    }

    /// Starts the next phase, covering `span` of the whole load.
    func phase(span: Double) {
        base = max(0, last)
        self.span = span
    }

    func check() throws {
        if cancelled { throw LlamaError(.cancelled, "the load was cancelled by the progress callback") }
    }
}
