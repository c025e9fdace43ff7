/// Hugging Face parameter names → the GGUF names the engine looks tensors up by (the names
/// llama.cpp's converter writes; gguf-py `tensor_mapping.py` lists the same pairs).
///
/// | Hugging Face | GGUF |
/// | --- | --- |
/// | model.embed_tokens.weight | token_embd.weight |
/// | model.norm.weight | output_norm.weight |
/// | lm_head.weight | output.weight |
/// | model.layers.N.input_layernorm.weight | blk.N.attn_norm.weight |
/// | ….self_attn.{q,k,v}_proj.{weight,bias} | blk.N.attn_{q,k,v}.{weight,bias} |
/// | ….self_attn.o_proj.{weight,bias} | blk.N.attn_output.{weight,bias} |
/// | ….self_attn.qkv_proj.weight (Phi-3) | blk.N.attn_qkv.weight |
/// | ….self_attn.{q,k}_norm.weight (Gemma 3) | blk.N.attn_{q,k}_norm.weight |
/// | ….post_attention_layernorm.weight | blk.N.ffn_norm.weight; Gemma 3: blk.N.post_attention_norm.weight |
/// | ….pre_feedforward_layernorm.weight (Gemma 3) | blk.N.ffn_norm.weight |
/// | ….post_feedforward_layernorm.weight (Gemma 3) | blk.N.post_ffw_norm.weight |
/// | ….mlp.{gate,up,down}_proj.weight | blk.N.ffn_{gate,up,down}.weight |
/// | ….mlp.gate_up_proj.weight (Phi-3: gate rows first) | blk.N.ffn_up.weight |
enum HFTensorNames {
    /// The GGUF name, or nil for a name no family's graph reads.
    static func gguf(_ name: String, architecture a: Architecture) -> String? {
        switch name {
        case "model.embed_tokens.weight": return "token_embd.weight"
        case "model.norm.weight": return "output_norm.weight"
        case "lm_head.weight": return "output.weight"
        default: break
        }
        let prefix = "model.layers."
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0,
            String(layer) == rest[..<dot]
        else { return nil }
        let blk = "blk.\(layer)."
        let tail = String(rest[rest.index(after: dot)...])
        let gemma = a == .gemma3
        let table: [String: String] = [
            "input_layernorm.weight": "attn_norm.weight",
            "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
            "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
            "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias",
            "self_attn.v_proj.bias": "attn_v.bias", "self_attn.o_proj.bias": "attn_output.bias",
            "self_attn.qkv_proj.weight": "attn_qkv.weight",
            "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
            "post_attention_layernorm.weight": gemma ? "post_attention_norm.weight" : "ffn_norm.weight",
            "pre_feedforward_layernorm.weight": "ffn_norm.weight",
            "post_feedforward_layernorm.weight": "post_ffw_norm.weight",
            "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
            "mlp.down_proj.weight": "ffn_down.weight", "mlp.gate_up_proj.weight": "ffn_up.weight",
        ]
        return table[tail].map { blk + $0 }
    }

    /// Hugging Face buffers saved by some writers that carry nothing the graph needs
    /// (recomputed from the config).
    static func isIgnored(_ name: String) -> Bool {
        name.hasSuffix(".rotary_emb.inv_freq")
    }
}
