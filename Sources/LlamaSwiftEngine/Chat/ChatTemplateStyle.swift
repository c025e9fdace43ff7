/// The prompt formats llama.cpp's `llama_chat_apply_template` knows (llama-cpp-python
/// 0.3.36), one case per format, with the built-in name that selects it.
enum ChatTemplateStyle: Sendable, CaseIterable {
    case chatml, llama2, llama2Sys, llama2SysBos, llama2SysStrip
    case mistralV1, mistralV3, mistralV3Tekken, mistralV7, mistralV7Tekken
    case phi3, phi4, falcon3, zephyr, monarch, gemma, orion, openchat, vicuna, vicunaOrca
    case deepseek, deepseek2, deepseek3, deepseekOCR, commandR, llama3
    case chatglm3, chatglm4, glmedge, minicpm, exaone3, exaone4, exaoneMoE, rwkvWorld
    case granite3, granite40, granite41, gigachat, megrez, yandex
    case bailing, bailingThink, bailing2, llama4, smolvlm, dots1
    case hunyuanMoE, gptOSS, hunyuanDense, hunyuanVL, kimiK2, seedOSS, grok2
    case panguEmbedded, solarOpen

    /// The built-in name (llama.cpp's spelling). Every style has exactly one, except
    /// `dots1`, which llama.cpp reaches only by detection.
    var name: String? {
        switch self {
        case .chatml: return "chatml"
        case .llama2: return "llama2"
        case .llama2Sys: return "llama2-sys"
        case .llama2SysBos: return "llama2-sys-bos"
        case .llama2SysStrip: return "llama2-sys-strip"
        case .mistralV1: return "mistral-v1"
        case .mistralV3: return "mistral-v3"
        case .mistralV3Tekken: return "mistral-v3-tekken"
        case .mistralV7: return "mistral-v7"
        case .mistralV7Tekken: return "mistral-v7-tekken"
        case .phi3: return "phi3"
        case .phi4: return "phi4"
        case .falcon3: return "falcon3"
        case .zephyr: return "zephyr"
        case .monarch: return "monarch"
        case .gemma: return "gemma"
        case .orion: return "orion"
        case .openchat: return "openchat"
        case .vicuna: return "vicuna"
        case .vicunaOrca: return "vicuna-orca"
        case .deepseek: return "deepseek"
        case .deepseek2: return "deepseek2"
        case .deepseek3: return "deepseek3"
        case .deepseekOCR: return "deepseek-ocr"
        case .commandR: return "command-r"
        case .llama3: return "llama3"
        case .chatglm3: return "chatglm3"
        case .chatglm4: return "chatglm4"
        case .glmedge: return "glmedge"
        case .minicpm: return "minicpm"
        case .exaone3: return "exaone3"
        case .exaone4: return "exaone4"
        case .exaoneMoE: return "exaone-moe"
        case .rwkvWorld: return "rwkv-world"
        case .granite3: return "granite"
        case .granite40: return "granite-4.0"
        case .granite41: return "granite-4.1"
        case .gigachat: return "gigachat"
        case .megrez: return "megrez"
        case .yandex: return "yandex"
        case .bailing: return "bailing"
        case .bailingThink: return "bailing-think"
        case .bailing2: return "bailing2"
        case .llama4: return "llama4"
        case .smolvlm: return "smolvlm"
        case .dots1: return nil
        case .hunyuanMoE: return "hunyuan-moe"
        case .gptOSS: return "gpt-oss"
        case .hunyuanDense: return "hunyuan-dense"
        case .hunyuanVL: return "hunyuan-vl"
        case .kimiK2: return "kimi-k2"
        case .seedOSS: return "seed_oss"
        case .grok2: return "grok-2"
        case .panguEmbedded: return "pangu-embedded"
        case .solarOpen: return "solar-open"
        }
    }

    /// The style a built-in name selects (exact, case-sensitive match), or nil.
    static func named(_ name: String) -> ChatTemplateStyle? {
        allCases.first { style in style.name.map { ChatText.same($0, name) } ?? false }
    }

    /// Every built-in name, in byte order (the order llama.cpp's
    /// `llama_chat_builtin_templates` lists them).
    static let builtInNames: [String] = allCases.compactMap(\.name)
        .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}
