import LlamaSwift

#if canImport(Glibc)
import Glibc
#endif

/// The `llamaswift` command-line program. Flags follow llama.cpp's spelling.
let usage = """
    usage: llamaswift COMMAND [options]
      run         -m MODEL -p PROMPT   answer a prompt (the model's chat template; --raw for none)
      chat        -m MODEL             interactive multi-turn chat
      info        -m MODEL             the model's configuration
      tokenize    -m MODEL -p TEXT     token ids and pieces (--parse-special)
      perplexity  -m MODEL -f FILE     perplexity over chunks of -c tokens (llama-perplexity's scoring)
      bench       -m MODEL             pp/tg tokens per second (--pp 512 --tg 128 -r 5)
      bench-tokenize -m MODEL -f FILE  tokenizer throughput (MB/s)
    options: -n N, -c N, -t N, -b N, --seed N, --temp T, --top-k K, --top-p P, --min-p P,
             --repeat-penalty R, -sys/--system-prompt TEXT, -f FILE, --chat-template NAME
    """

var args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else {
    fputs(usage + "\n", stderr)
    exit(2)
}
args.removeFirst()

do {
    let o = try Options(args)
    switch command {
    case "info": try infoCommand(o)
    case "run": try runCommand(o)
    case "chat": try chatCommand(o)
    case "tokenize": try tokenizeCommand(o)
    case "perplexity": try perplexityCommand(o)
    case "bench": try benchCommand(o)
    case "bench-tokenize": try benchTokenizeCommand(o)
    case "-h", "--help", "help": print(usage)
    default:
        fputs("llamaswift: unknown command '\(command)'\n\(usage)\n", stderr)
        exit(2)
    }
} catch let e as LlamaError {
    fputs("llamaswift: \(e.message)\n", stderr)
    exit(1)
} catch let e as CLIError {
    fputs("llamaswift: \(e.message)\n", stderr)
    exit(1)
} catch {
    fputs("llamaswift: \(error)\n", stderr)
    exit(1)
}
