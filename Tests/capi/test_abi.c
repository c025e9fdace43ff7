/* ABI check: the sizes of the public structs are recorded here; a change without a
 * version bump fails this test (append fields only, and bump LLAMASWIFT_VERSION_MINOR). */
#include "llamaswift.h"
#include "check.h"

int main(void) {
#if LLAMASWIFT_VERSION_MAJOR == 0 && LLAMASWIFT_VERSION_MINOR == 6
    /* 0.2: llamaswift_sampler_params gained temperature_order (48 → 56 bytes); the
     * fields before it are where 0.1 had them. */
    CHECK(offsetof(llamaswift_sampler_params, seed) == 40);
    CHECK(offsetof(llamaswift_sampler_params, temperature_order) == 48);
    /* 0.3: llamaswift_model_params gained the progress callback, its user data and
     * use_mlock (8 → 32 bytes), all past the 8 bytes 0.2 had. */
    CHECK(offsetof(llamaswift_model_params, vocab_only) == 4);
    CHECK(offsetof(llamaswift_model_params, progress_callback) == 8);
    CHECK(offsetof(llamaswift_model_params, progress_callback_user_data) == 16);
    CHECK(offsetof(llamaswift_model_params, use_mlock) == 24);
    /* 0.5: llamaswift_model_params gained weight_type at 32 (32 → 40 bytes). */
    CHECK(offsetof(llamaswift_model_params, weight_type) == 32);
    CHECK(sizeof(llamaswift_model_params) == 40);
    CHECK(LLAMASWIFT_WEIGHT_TYPE_AS_STORED == 0 && LLAMASWIFT_WEIGHT_TYPE_Q4_0 == 2);
    CHECK(LLAMASWIFT_LOG_ERROR == 1 && LLAMASWIFT_LOG_DEBUG == 4);
    CHECK(sizeof(llamaswift_model_info) == 88);
    /* 0.5: llamaswift_session_params gained embeddings, pooling_type and embd_normalize
     * (40 → 52 bytes, all past 0.4's 40). */
    CHECK(offsetof(llamaswift_session_params, embeddings) == 40);
    CHECK(offsetof(llamaswift_session_params, pooling_type) == 44);
    CHECK(offsetof(llamaswift_session_params, embd_normalize) == 48);
    /* 0.6: llamaswift_session_params gained kv_type_v at 52 (52 → 56 bytes);
     * llamaswift_kv_type gained Q8_0. */
    CHECK(offsetof(llamaswift_session_params, kv_type_v) == 52);
    CHECK(sizeof(llamaswift_session_params) == 56);
    CHECK(LLAMASWIFT_KV_F16 == 2 && LLAMASWIFT_KV_Q8_0 == 3);
    CHECK(LLAMASWIFT_POOLING_TYPE_UNSPECIFIED == -1 && LLAMASWIFT_POOLING_TYPE_LAST == 3);
    CHECK(sizeof(llamaswift_sampler_params) == 56);
    /* 0.4: llamaswift_generate_params gained n_keep, context_shift and append (40 → 48
     * bytes; n_keep lands in 0.3's trailing padding, so they are read only when
     * struct_size is at least 48), llamaswift_generate_result gained n_context_shifts
     * (56 → 64); llamaswift_batch_item and llamaswift_batch_params are new. */
    CHECK(offsetof(llamaswift_generate_params, reuse_cache) == 32);
    CHECK(offsetof(llamaswift_generate_params, n_keep) == 36);
    CHECK(offsetof(llamaswift_generate_params, context_shift) == 40);
    CHECK(offsetof(llamaswift_generate_params, append) == 41);
    CHECK(offsetof(llamaswift_generate_result, n_context_shifts) == 56);
    /* 0.5: llamaswift_generate_params gained token_callback, its user data and n_probs
     * (48 → 72 bytes; read only when struct_size covers all three, ≥ 68); the token
     * structs are new. */
    CHECK(offsetof(llamaswift_generate_params, token_callback) == 48);
    CHECK(offsetof(llamaswift_generate_params, token_callback_user_data) == 56);
    CHECK(offsetof(llamaswift_generate_params, n_probs) == 64);
    CHECK(sizeof(llamaswift_generate_params) == 72);
    CHECK(sizeof(llamaswift_token_logprob) == 8);
    CHECK(sizeof(llamaswift_logit_bias) == 8);
    CHECK(offsetof(llamaswift_generated_token, n_top) == 32 && sizeof(llamaswift_generated_token) == 40);
    CHECK(sizeof(llamaswift_generate_result) == 64);
    CHECK(sizeof(llamaswift_chat_message) == 2 * sizeof(void *));
    CHECK(sizeof(llamaswift_batch_item) == 3 * sizeof(void *));
    CHECK(sizeof(llamaswift_batch_params) == 8);
    CHECK(LLAMASWIFT_OK == 0 && LLAMASWIFT_ERR_INTERNAL == 9);
    /* 0.5 (grammars): llamaswift_stop_reason gained GRAMMAR_COMPLETE (no struct changed). */
    CHECK(LLAMASWIFT_STOP_GRAMMAR_COMPLETE == 7);
#else
#error "record the struct sizes of this version"
#endif
    return check_summary("test_abi");
}
