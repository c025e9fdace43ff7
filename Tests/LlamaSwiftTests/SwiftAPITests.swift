import LlamaSwift
import Synchronization
import Testing

/// The Swift API (the LlamaSwift product) on SmolLM2: greedy text against llama.cpp's
/// (Tests/Fixtures/smollm2-logits.json, scripts/ref/make_logits_refs.py), chat through a
/// template, cancellation from the consuming task, errors as LlamaSwiftError, one Model
/// shared by sessions on several tasks. Imports only LlamaSwift, as a user's code does.
@Suite struct SwiftAPITests {
    static let model: Model = try! Model(path: TestPaths.model)
    static let reference = try! JSON.parse(file: TestPaths.fixtures + "/smollm2-logits.json")

    static func prompt(_ name: String) -> JSON {
        reference["prompts"].array.first { $0["name"].string == name }!
    }

    /// llama.cpp's greedy ids of a prompt up to the first step past the tenth whose top-2
    /// logit margin is below 0.2 (where float rounding may pick the other token: with the
    /// Q4_1 row groups' summation order, Q4_1Groups, plain-story's text leaves llama.cpp's
    /// at a step of margin 0.17), and their text.
    static func greedyPrefix(_ name: String) throws -> (count: Int, text: String) {
        let p = prompt(name)
        let margins = p["greedy_margins"].floats
        let ids = p["greedy"].ints.map(Int32.init)
        let n = margins.indices.first { $0 >= 10 && margins[$0] < 0.2 } ?? ids.count
        return (n, try model.detokenize(Array(ids[..<n])))
    }

    static func collect(_ stream: AsyncThrowingStream<String, Error>) async throws -> [String] {
        var pieces: [String] = []
        for try await piece in stream { pieces.append(piece) }
        return pieces
    }

    @Test func generateStreamsLlamaCppGreedyText() async throws {
        let (count, expected) = try Self.greedyPrefix("plain-story")
        #expect(count >= 10)
        let session = try Session(model: Self.model, params: SessionParams(contextLength: 512, threads: 2))
        let pieces = try await Self.collect(
            session.generate(
                prompt: Self.prompt("plain-story")["text"].string!, sampler: .greedy,
                params: GenerateParams(maxTokens: count)))
        #expect(pieces.count > 1)  // streamed, not one string at the end
        #expect(pieces.joined() == expected)
        let stats = try #require(session.lastStats)
        #expect(stats.stopReason == .maxTokens)
        #expect(stats.generatedTokens == count)
        #expect(stats.promptTokens == Self.prompt("plain-story")["tokens"].ints.count)
        #expect(session.position == stats.promptTokens + count)  // each token is decoded after it is shown
    }

    /// chat renders the messages (ChatML here, the fixture's prompt) and stops at the
    /// end-of-turn token llama.cpp's greedy run reached at index 7.
    @Test func chatStopsAtEndOfTurn() async throws {
        let p = Self.prompt("chat-capital")
        let eog = try #require(p["greedy_first_eog_index"].int)
        let expected = try Self.model.detokenize(Array(p["greedy"].ints.map(Int32.init)[..<eog]))
        let session = try Session(model: Self.model, params: SessionParams(contextLength: 512, threads: 2))
        let messages: [ChatMessage] = [.user("What is the capital of France?")]
        let answer = try await Self.collect(session.chat(messages: messages, template: "chatml", sampler: .greedy))
        #expect(answer.joined() == expected)
        #expect(answer.joined().contains("Paris"))
        let stats = try #require(session.lastStats)
        #expect(stats.stopReason == .endOfGeneration)
        #expect(stats.generatedTokens == eog)
        #expect(stats.promptTokens == p["tokens"].ints.count)
        // The next turn reuses the held conversation: only the new tokens are evaluated.
        let next = messages + [.assistant(answer.joined()), .user("And of Italy?")]
        _ = try await Self.collect(session.chat(messages: next, template: "chatml", sampler: .greedy))
        let stats2 = try #require(session.lastStats)
        #expect(stats2.promptTokensEvaluated < stats2.promptTokens - stats.promptTokens)
    }

    /// A prompt whose greedy continuation does not end by itself (it counts on: 1,500
    /// tokens checked), so that only a cancel stops these generations early.
    static let countingPrompt = "1, 2, 3, 4, 5, 6, 7, 8,"

    /// Leaving the loop cancels the generation (the stream's termination). The stream
    /// does not wait for its consumer, so while `make test` runs synchronous suites on
    /// every cooperative thread the consumer may wake only after tens of seconds: the
    /// generation is given room for minutes (4000 tokens) so that only a cancel ends it
    /// early.
    @Test func leavingTheLoopStopsGeneration() async throws {
        let session = try Session(model: Self.model, params: SessionParams(contextLength: 4096, threads: 2))
        var seen = 0
        for try await _ in session.generate(
            prompt: Self.countingPrompt, sampler: .greedy, params: GenerateParams(maxTokens: 4000))
        {
            seen += 1
            if seen == 3 { break }
        }
        _ = session.position  // waits until the generation has returned
        let stats = try #require(session.lastStats)
        #expect(stats.stopReason == .cancelled)
        #expect(stats.generatedTokens < 4000)
    }

    /// Cancelling the consuming task cancels the generation: the stream ends (no error
    /// reaches a cancelled consumer) long before maxTokens.
    @Test func cancellingTheTaskStopsGeneration() async throws {
        // Room for minutes of generation, as above.
        let session = try Session(model: Self.model, params: SessionParams(contextLength: 4096, threads: 2))
        let stream = session.generate(
            prompt: Self.countingPrompt, sampler: .greedy, params: GenerateParams(maxTokens: 4000))
        let task = Task { () -> Int in
            var seen = 0
            do {
                for try await _ in stream {
                    seen += 1
                    if seen == 2 { withUnsafeCurrentTask { $0?.cancel() } }
                }
            } catch {}
            return seen
        }
        let seen = await task.value
        _ = session.position  // waits until the generation has returned
        let stats = try #require(session.lastStats)
        #expect(stats.stopReason == .cancelled)
        #expect(seen < 4000)
        #expect(stats.generatedTokens < 4000)
        // The session is usable afterwards.
        let again = try await Self.collect(
            session.generate(prompt: "Hello", sampler: .greedy, params: GenerateParams(maxTokens: 3)))
        #expect(!again.isEmpty)
        #expect(session.lastStats?.stopReason == .maxTokens)
    }

    @Test func errorsAreLlamaSwiftErrors() async throws {
        do {
            _ = try Model(path: "/nonexistent/model.gguf")
            Issue.record("no error")
        } catch {
            guard case .io(let message) = error else { Issue.record("not .io: \(error)"); return }
            #expect(message.contains("/nonexistent/model.gguf"))
            #expect(error.description.hasPrefix("LLAMASWIFT_ERR_IO: "))
        }
        let session = try Session(model: Self.model, params: SessionParams(contextLength: 16, threads: 1))
        await #expect(throws: LlamaSwiftError.self) { _ = try await Self.collect(session.generate(prompt: "")) }
        do {
            _ = try await Self.collect(session.generate(prompt: ""))
        } catch let e as LlamaSwiftError {
            guard case .invalidArgument = e else { Issue.record("not .invalidArgument: \(e)"); return }
        }
        do {
            _ = try await Self.collect(
                session.generate(prompt: String(repeating: "The sea is wide and deep. ", count: 10)))
            Issue.record("no error")
        } catch let e as LlamaSwiftError {
            guard case .contextFull(let m) = e else { Issue.record("not .contextFull: \(e)"); return }
            #expect(m.contains("context holds 16"))
        }
        do {
            _ = try await Self.collect(session.chat(messages: [.user("hi")], template: "no-such-template"))
            Issue.record("no error")
        } catch let e as LlamaSwiftError {
            guard case .unsupported = e else { Issue.record("not .unsupported: \(e)"); return }
        }
        do {
            var s = Sampler()
            s.temperature = -1  // must be ≥ 0
            _ = try await Self.collect(session.generate(prompt: "Hi", sampler: s))
            Issue.record("no error")
        } catch let e as LlamaSwiftError {
            guard case .invalidArgument = e else { Issue.record("not .invalidArgument: \(e)"); return }
        }
        #expect(throws: LlamaSwiftError.self) { _ = try Session(model: Self.model, params: SessionParams(threads: -1)) }
    }

    /// One Model (Sendable) serves sessions on concurrent tasks; each gets llama.cpp's text.
    @Test func oneModelManyTasks() async throws {
        let model = Self.model
        let (count, expected) = try Self.greedyPrefix("plain-code")
        let text = Self.prompt("plain-code")["text"].string!
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let session = try Session(model: model, params: SessionParams(contextLength: 256, threads: 1))
                    return try await Self.collect(
                        session.generate(prompt: text, sampler: .greedy, params: GenerateParams(maxTokens: count))
                    ).joined()
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: expected, count: 3))
    }

    @Test func modelFacts() throws {
        #expect(Self.model.architecture == "llama")
        #expect(Self.model.vocabularySize == 49152)
        #expect(Self.model.trainedContextLength == 8192)
        #expect(try Self.model.tokenize("<|im_start|>", parseSpecial: true).count == 1)
        #expect(try Self.model.detokenize(Self.model.tokenize("Hello world")) == "Hello world")
        let vocab = try Model(path: TestPaths.model, params: ModelParams(vocabOnly: true))
        #expect(throws: LlamaSwiftError.self) { _ = try Session(model: vocab) }
    }
}
