import Foundation
import Hummingbird
import LlamaSwiftEngine

/// `llamaswift-server`: an OpenAI-compatible HTTP server (Hummingbird 2 on SwiftNIO) over
/// the engine's Swift API. Concurrent requests share batched forward passes (Scheduler).
/// Flags follow llama-server's spelling.
let usage = """
    usage: llamaswift-server -m MODEL [--host 127.0.0.1] [--port 8080] [-c N_CTX per slot] [-t THREADS]
                             [-np/--parallel SLOTS (4)] [--queue N (waiting requests, 16)] [--api-key KEY]
                             [-ctk/--cache-type-k f16|f32|q8_0] [-ctv/--cache-type-v TYPE (the K type)]
    routes: POST /v1/chat/completions, POST /v1/completions (both with "stream"), GET /v1/models, GET /health
    structured output: "response_format" (json_object, json_schema), "grammar" (GBNF), "json_schema"
    """

struct ServerOptions {
    var model = ""
    var host = "127.0.0.1"
    var port = 8080
    var ctx = 2048
    var threads = 0
    var parallel = 4
    var queue = 16
    var apiKey: String? = nil
    /// -ctk / -ctv (llama-server's --cache-type-k / --cache-type-v); nil = the defaults.
    var cacheTypeK: KVCacheType? = nil
    var cacheTypeV: KVCacheType? = nil

    init(_ args: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw ServerError("\(args[i - 1]) needs a value") }
            return args[i]
        }
        func number(_ range: ClosedRange<Int>) throws -> Int {
            let flag = args[i]
            let v = try value()
            guard let n = Int(v), range.contains(n) else { throw ServerError("\(flag): '\(v)' is not in \(range)") }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "-m", "--model": model = try value()
            case "--host": host = try value()
            case "--port": port = try number(0...65535)
            case "-c", "--ctx-size": ctx = try number(8...(1 << 20))
            case "-t", "--threads": threads = try number(0...512)
            case "-np", "--parallel": parallel = try number(1...256)
            case "--queue": queue = try number(0...1_000_000)
            case "--api-key": apiKey = try value()
            case "-ctk", "--cache-type-k", "-ctv", "--cache-type-v":
                let flag = args[i], v = try value()
                guard let t = KVCacheType(name: v) else {
                    throw ServerError("\(flag) \(v): the cache types are f32, f16 and q8_0")
                }
                if flag.hasSuffix("k") { cacheTypeK = t } else { cacheTypeV = t }
            case "-h", "--help":
                print(usage)
                exit(0)
            default: throw ServerError("unknown flag '\(args[i])'\n\(usage)")
            }
            i += 1
        }
        guard !model.isEmpty else { throw ServerError("-m MODEL is required\n\(usage)") }
    }
}

struct ServerError: Error {
    let message: String
    init(_ m: String) { message = m }
}

func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}

func errorResponse(
    _ status: HTTPResponse.Status, _ message: String, type: String, code: String?, param: String? = nil
)
    -> Response
{
    json(status, OpenAIJSON.error(message, type: type, code: code, param: param))
}

/// Refuses requests without `Authorization: Bearer <key>` (all but GET /health) with 401.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        if request.uri.path == "/health" { return try await next(request, context) }
        guard request.headers[.authorization] == "Bearer \(key)" else {
            return errorResponse(
                .unauthorized, "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key")
        }
        return try await next(request, context)
    }
}

let options: ServerOptions
do {
    options = try ServerOptions(Array(CommandLine.arguments.dropFirst()))
} catch let e as ServerError {
    FileHandle.standardError.write(Data("llamaswift-server: \(e.message)\n".utf8))
    exit(2)
}

let model: Model
let scheduler: Scheduler
do {
    model = try Model(path: options.model)
    var so = SessionOptions()
    so.contextLength = options.ctx
    so.threads = options.threads
    so.kvType = options.cacheTypeK
    so.kvTypeV = options.cacheTypeV
    scheduler = try Scheduler(model: model, slots: options.parallel, options: so, queueLimit: options.queue)
} catch {
    let message = (error as? LlamaError)?.message ?? "\(error)"
    FileHandle.standardError.write(Data("llamaswift-server: \(message)\n".utf8))
    exit(1)
}
let modelName = options.model.split(separator: "/").last.map(String.init) ?? options.model
let created = Int(Date().timeIntervalSince1970)

/// Runs one completion request: parse, render, tokenize, queue; answers with one JSON
/// body or a server-sent-event stream (data: {...}\n\n … data: [DONE]\n\n).
func complete(_ request: Request, chat: Bool) async throws -> Response {
    var request = request
    let body: ByteBuffer
    do {
        body = try await request.collectBody(upTo: 8 << 20)
    } catch {
        return errorResponse(
            .contentTooLarge, "the request body is over 8 MiB", type: "invalid_request_error", code: nil)
    }
    let r: CompletionRequest
    do {
        r = try CompletionRequest(json: Array(body.readableBytesView), chat: chat)
    } catch let e as CompletionRequest.RequestError {
        return errorResponse(.badRequest, e.message, type: "invalid_request_error", code: nil, param: e.param)
    }
    let prompt: [Int32]
    let sampler: Sampler
    do {
        let text =
            chat
            ? try ChatTemplate.render(
                name: nil, modelTemplate: model.chatTemplate, messages: r.messages!, addAssistant: true) : r.prompt!
        prompt = try model.tokenizer.tokenize(text, addSpecial: true, parseSpecial: chat)
        guard !prompt.isEmpty else { throw LlamaError(.invalidArgument, "the prompt is empty") }
        guard prompt.count < options.ctx else {
            throw LlamaError(.contextFull, "the prompt has \(prompt.count) tokens; the context holds \(options.ctx)")
        }
        sampler = try Sampler(options: r.samplerOptions)
        for b in r.logitBias where Int(b.token) >= model.tokenizer.vocabularySize {
            throw LlamaError(.invalidArgument, "logit_bias: token \(b.token) is not in the vocabulary")
        }
        try sampler.setLogitBias(r.logitBias)
        if r.topLogprobs != nil && r.stream {
            throw LlamaError(.invalidArgument, "logprobs are not supported with stream: true")
        }
    } catch {
        let message = (error as? LlamaError)?.message ?? "\(error)"
        return errorResponse(.badRequest, message, type: "invalid_request_error", code: nil)
    }
    if let c = r.constraint {
        // A grammar bound to the model's vocabulary; a bad grammar or schema is the
        // engine's message in a 400.
        do {
            try sampler.setGrammar(
                GrammarConstraint(grammar: Grammar(gbnf: Array(try c.gbnf().utf8)), tokenizer: model.tokenizer))
        } catch {
            let message = (error as? LlamaError)?.message ?? "\(error)"
            return errorResponse(.badRequest, message, type: "invalid_request_error", code: nil, param: c.param)
        }
    }
    let (events, continuation) = AsyncStream<Job.Event>.makeStream()
    let job = Job(
        prompt: prompt, sampler: sampler, maxTokens: r.maxTokens >= 0 ? r.maxTokens : options.ctx,
        stops: r.stops.map { Array($0.utf8) },
        events: continuation)
    job.topLogprobs = r.topLogprobs
    continuation.onTermination = { _ in job.cancelled.store(true, ordering: .relaxed) }
    guard scheduler.submit(job) else {
        return errorResponse(
            .serviceUnavailable, "the server is busy: every slot is in use and the queue is full; retry later",
            type: "server_error", code: "service_unavailable")
    }
    let id = (chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let object = chat ? "chat.completion" : "text_completion"

    if !r.stream {
        // The body is read; what is left of the connection's input is its end (or a next
        // request): a client that closes its side cancels the job at once rather than
        // when the answer is written. Hummingbird then closes the connection after the
        // answer (the input is consumed), so the answer says so (Connection: close).
        var response = try await request.body.consumeWithInboundCloseHandler { _ in
            await collect(events, r, chat: chat, id: id, object: object)
        } onInboundClosed: {
            job.cancelled.store(true, ordering: .relaxed)
        }
        response.headers[.connection] = "close"
        return response
    }

    // Streaming: a chunk per piece of text; a client that goes away makes a write fail,
    // which ends the stream and cancels the job (onTermination).
    let chunkObject = chat ? "chat.completion.chunk" : "text_completion"
    @Sendable func chunk(_ text: String?, _ reason: String?, first: Bool = false) -> ByteBuffer {
        let choice: [String: Any] =
            chat
            ? [
                "index": 0,
                "delta": first ? ["role": "assistant", "content": ""] : (text.map { ["content": $0] } ?? [:]),
                "finish_reason": reason as Any? ?? NSNull(),
            ]
            : ["index": 0, "text": text ?? "", "logprobs": NSNull(), "finish_reason": reason as Any? ?? NSNull()]
        let payload = OpenAIJSON.encode([
            "id": id, "object": chunkObject, "created": Int(Date().timeIntervalSince1970), "model": modelName,
            "choices": [choice],
        ])
        return ByteBuffer(string: "data: \(payload)\n\n")
    }
    let stream = ResponseBody { writer in
        defer { continuation.finish() }
        if chat { try await writer.write(chunk(nil, nil, first: true)) }
        for await event in events {
            switch event {
            case .text(let t): try await writer.write(chunk(t, nil))
            case .token: break  // refused with stream: true
            case .done(let reason, _, _): try await writer.write(chunk(nil, reason))
            case .failed(let message):
                let err = OpenAIJSON.error(message, type: "server_error", code: nil)
                try await writer.write(ByteBuffer(string: "data: \(err)\n\n"))
            }
        }
        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        try await writer.finish(nil)
    }
    return Response(
        status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: stream)
}

/// A non-streamed answer: the job's events gathered into one JSON body.
func collect(
    _ events: AsyncStream<Job.Event>, _ r: CompletionRequest, chat: Bool, id: String, object: String
) async
    -> Response
{
    var text = ""
    var tokens: [(token: Int32, logProb: Float, top: [TokenLogProb])] = []
    for await event in events {
        switch event {
        case .text(let t): text += t
        case .token(let t, let lp, let top): tokens.append((t, lp, top))
        case .failed(let message):
            return errorResponse(.badRequest, message, type: "invalid_request_error", code: nil)
        case .done(let reason, let p, let c):
            let choice: [String: Any] =
                chat
                ? [
                    "index": 0, "message": ["role": "assistant", "content": text], "finish_reason": reason,
                    "logprobs": r.topLogprobs == nil ? NSNull() : OpenAIJSON.chatLogprobs(tokens, model),
                ]
                : [
                    "index": 0, "text": text, "finish_reason": reason,
                    "logprobs": r.topLogprobs == nil ? NSNull() : OpenAIJSON.completionLogprobs(tokens, model),
                ]
            return json(
                .ok,
                OpenAIJSON.encode([
                    "id": id, "object": object, "created": Int(Date().timeIntervalSince1970), "model": modelName,
                    "choices": [choice], "usage": OpenAIJSON.usage(p, c),
                ]))
        }
    }
    return errorResponse(.internalServerError, "the request ended without a result", type: "server_error", code: nil)
}

let router = Router()
if let key = options.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
router.get("/health") { _, _ in json(.ok, "{\"status\":\"ok\"}") }
router.get("/v1/models") { _, _ in
    json(
        .ok,
        OpenAIJSON.encode([
            "object": "list",
            "data": [["id": modelName, "object": "model", "created": created, "owned_by": "llamaswift"]],
        ]))
}
router.post("/v1/chat/completions") { request, _ in try await complete(request, chat: true) }
router.post("/v1/completions") { request, _ in try await complete(request, chat: false) }

let app = Application(
    router: router,
    configuration: .init(address: .hostname(options.host, port: options.port), serverName: "llamaswift"),
    onServerRunning: { channel in
        FileHandle.standardError.write(
            Data(
                "llamaswift-server: \(modelName) on http://\(options.host):\(channel.localAddress?.port ?? options.port) (\(options.parallel) slots, n_ctx \(options.ctx))\n"
                    .utf8))
    })
try await app.runService()
