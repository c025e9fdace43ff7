/// Command-line flags, spelled as llama.cpp spells them.
struct Options {
    var model: String?
    var prompt: String?
    var file: String?
    var system: String?
    var nPredict = 256
    var ctx = 0
    var threads = 0
    var batch = 0
    var seed: UInt64 = 0xFFFF_FFFF_FFFF_FFFF
    var temp: Float = 0.8
    var topK = 40
    var topP: Float = 0.95
    var minP: Float = 0.05
    var repeatPenalty: Float = 1.0
    var template: String?
    var reps = 5
    var pp = 512
    var tg = 128
    var rest: [String] = []

    init(_ args: [String]) throws {
        var i = 0
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw CLIError("\(flag) needs a value") }
            return args[i]
        }
        func number<T: LosslessStringConvertible>(_ flag: String) throws -> T {
            let v = try value(flag)
            guard let n = T(v) else { throw CLIError("\(flag): '\(v)' is not a valid number") }
            return n
        }
        while i < args.count {
            let a = args[i]
            switch a {
            case "-m", "--model": model = try value(a)
            case "-p", "--prompt": prompt = try value(a)
            case "-f", "--file": file = try value(a)
            case "-sys", "--system-prompt", "-s", "--system": system = try value(a)
            case "-n", "--n-predict": nPredict = try number(a)
            case "-c", "--ctx-size": ctx = try number(a)
            case "-t", "--threads": threads = try number(a)
            case "-b", "--batch-size": batch = try number(a)
            case "--seed": seed = UInt64(bitPattern: Int64(try number(a) as Int))
            case "--temp": temp = try number(a)
            case "--top-k": topK = try number(a)
            case "--top-p": topP = try number(a)
            case "--min-p": minP = try number(a)
            case "--repeat-penalty": repeatPenalty = try number(a)
            case "--chat-template": template = try value(a)
            case "-r", "--repetitions": reps = try number(a)
            case "--pp": pp = try number(a)
            case "--tg": tg = try number(a)
            default: rest.append(a)
            }
            i += 1
        }
        guard ctx >= 0, threads >= 0, batch >= 0, nPredict >= -1, reps >= 1, pp >= 1, tg >= 1 else {
            throw CLIError("numeric flags must not be negative (-r, --pp and --tg at least 1)")
        }
        // Upper bounds (the engine's own limits), so that no arithmetic on them overflows.
        for (flag, v, limit) in [
            ("-c", ctx, 1 << 20), ("-t", threads, 512), ("-b", batch, 1 << 16), ("-n", nPredict, Int(Int32.max)),
            ("-r", reps, 1000), ("--pp", pp, 1 << 20), ("--tg", tg, 1 << 20), ("--top-k", topK, Int(Int32.max)),
        ] where v > limit {
            throw CLIError("\(flag) \(v) is over the limit of \(limit)")
        }
    }

    func requireModel() throws -> String {
        guard let model else { throw CLIError("-m MODEL is required") }
        return model
    }

    var sessionOptions: SessionOptions {
        var o = SessionOptions()
        o.contextLength = ctx
        o.threads = threads
        o.batchSize = batch
        return o
    }

    var samplerOptions: SamplerOptions {
        var o = SamplerOptions()
        o.temperature = temp
        o.topK = topK
        o.topP = topP
        o.minP = minP
        o.repeatPenalty = repeatPenalty
        o.seed = seed
        return o
    }
}

struct CLIError: Error {
    let message: String
    init(_ m: String) { message = m }
}

import LlamaSwift
