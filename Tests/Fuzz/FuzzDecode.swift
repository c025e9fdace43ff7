// libFuzzer target: decode and rewind of arbitrary token ids on the tiny test models.
// Byte 0: model (bits 0-1), logits of every position (bit 3), batch size 0 (the default)
// or 1…7 (bits 4-6), 2 threads when bits 2 and 7 are set (a quarter of the inputs: a pool
// costs far more per input than the tiny model's compute), else 1. Then operations until the input ends:
//   0, 1, 2: decode n = next byte % 24 ids (n = 0 too), each from two bytes: below 0x8000
//            an id modulo vocabulary + 8 (mostly valid), above it a far or negative id;
//   3:       rewind to next byte % (position + 3) (past the end too);
//   4:       cancel, then the next decode must fail with CANCELLED or succeed untouched;
//   5:       check the logits: finite, and as many as the session says.
// After an error the session must be as before the call.
import LlamaSwiftEngine

/// Q4_0 (8-bit activation dot products), F32, F16 and Q4_K weights.
let decodeModels = ["gqa-q4_0", "gqa", "gqa-f16", "k256-q4_k"].map {
    Fuzz.load("Tests/Fixtures/tiny/\($0).gguf", vocabOnly: false)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var r = ByteReader(data, size)
    let head = r.u8()
    let model = decodeModels[Int(head & 3) % decodeModels.count]
    var o = SessionOptions()
    o.contextLength = 64
    o.threads = head & 0x84 == 0x84 ? 2 : 1
    o.logitsAll = head & 8 != 0
    o.batchSize = Int(head >> 4) & 7
    let s: Session
    do { s = try Session(model: model, options: o) } catch { preconditionFailure("session: \(error)") }
    let vocab = model.vocabularySize
    var ops = 0
    while !r.isEmpty && ops < 16 {
        ops += 1
        let op = r.u8() % 6
        switch op {
        case 0, 1, 2:
            let n = Int(r.u8()) % 24
            var ids: [Int32] = []
            for _ in 0..<n {
                let v = r.u16()
                if v < 0x8000 {
                    ids.append(Int32(Int(v) % (vocab + 8)))
                } else {
                    ids.append(Int32(truncatingIfNeeded: (UInt32(v) << 16) | UInt32(v)))
                }
            }
            let before = s.tokens
            let valid = !ids.isEmpty && ids.allSatisfy { $0 >= 0 && Int($0) < vocab } && before.count + n <= 64
            do {
                try s.decode(ids)
                precondition(valid, "decode accepted invalid input \(ids) at \(before.count)")
                precondition(s.tokens == before + ids)
            } catch let e as LlamaError {
                precondition(!valid || e.kind == .cancelled, "decode refused valid input: \(e)")
                precondition(s.tokens == before, "failed decode changed the tokens")
            } catch {
                preconditionFailure("non-LlamaError \(error)")
            }
        case 3:
            let to = Int(r.u8()) % (s.position + 3)
            let before = s.position
            do {
                try s.rewind(to: to)
                precondition(to <= before && s.position == to)
                precondition(s.currentLogits == nil)
            } catch {
                precondition(to > before && s.position == before, "rewind to \(to) of \(before) failed: \(error)")
            }
        case 4:
            s.cancel()
        default:
            if let l = s.lastLogits {
                precondition(l.count == vocab)
                for x in l { precondition(x.isFinite, "non-finite logit \(x)") }
            }
        }
    }
    return 0
}
