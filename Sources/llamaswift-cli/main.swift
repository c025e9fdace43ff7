import LlamaSwift

#if canImport(Glibc)
import Glibc
#endif

/// The `llamaswift` command-line program. Subcommands follow llama.cpp's flag spelling.
let usage = """
    usage: llamaswift COMMAND [options]
      info      -m MODEL                      print the model's configuration
      run       -m MODEL -p PROMPT [...]      generate text from a prompt
    """

func fail(_ message: String) -> Never {
    fputs("llamaswift: \(message)\n", stderr)
    exit(1)
}

var args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail(usage) }
args.removeFirst()

func option(_ names: String...) -> String? {
    for (i, a) in args.enumerated() where names.contains(a) {
        guard i + 1 < args.count else { fail("\(a) needs a value") }
        return args[i + 1]
    }
    return nil
}

do {
    switch command {
    case "info", "run":
        guard let path = option("-m", "--model") else { fail("-m MODEL is required") }
        let model = try Model(path: path)
        if let c = model.config {
            print("architecture   \(c.architecture)")
            print("vocabulary     \(c.vocabularySize)")
            print("context        \(c.contextLength)")
            print("embedding      \(c.embeddingLength)")
            print("layers         \(c.blockCount)")
            print("heads          \(c.headCount) (KV \(c.headCountKV))")
            print("feed-forward   \(c.feedForwardLength)")
            print("rope base      \(c.ropeFreqBase), scaling \(c.ropeScaling)")
            print("parameters     \(model.parameterCount)")
            print("tensor bytes   \(model.tensorBytes)")
            print("kernels        \(kernelPathName())")
        }
        fputs("load time      \(Int(model.loadSeconds * 1000)) ms\n", stderr)
    case "-h", "--help", "help":
        print(usage)
    default:
        fail("unknown command '\(command)'\n\(usage)")
    }
} catch let e as LlamaError {
    fail(e.message)
} catch {
    fail("\(error)")
}
