/* C test of the Q8_0 K/V cache (0.6) through the header: kv_type and kv_type_v select
 * it, logits stay close to the F16 cache's, bad values and combinations are
 * INVALID_ARGUMENT with a message, a 0.5 caller (struct_size 52, no kv_type_v) gets V of
 * K's type, and a state keeps its cache type (loading it into another type is refused). */
#include "llamaswift.h"
#include "check.h"
#include <math.h>
#include <stddef.h>

static llamaswift_session *make(llamaswift_model *m, uint32_t k, uint32_t v, uint32_t size) {
    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 64;
    sp.n_threads = 2;
    sp.kv_type = k;
    sp.kv_type_v = v;
    sp.struct_size = size;
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    return s;
}

static const int32_t prompt[12] = {1, 504, 3458, 282, 4649, 314, 17, 359, 1183, 30, 2, 198};

static float max_diff(llamaswift_session *a, llamaswift_session *b, int32_t n_vocab) {
    const float *x = llamaswift_session_logits(a), *y = llamaswift_session_logits(b);
    float worst = 0;
    for (int32_t i = 0; x && y && i < n_vocab; i++) worst = fmaxf(worst, fabsf(x[i] - y[i]));
    return (x && y) ? worst : INFINITY;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    llamaswift_model *m = NULL;
    CHECK_STATUS(llamaswift_model_load(argv[1], NULL, &m), LLAMASWIFT_OK);
    llamaswift_model_info info = {.struct_size = sizeof info};
    CHECK_STATUS(llamaswift_model_get_info(m, &info), LLAMASWIFT_OK);
    const int32_t n_vocab = (int32_t)info.n_vocab;
    const uint32_t full = sizeof(llamaswift_session_params), v05 = offsetof(llamaswift_session_params, kv_type_v);
    CHECK(llamaswift_session_default_params().kv_type_v == 0 && v05 == 52);

    llamaswift_session *f16 = make(m, LLAMASWIFT_KV_F16, 0, full);
    llamaswift_session *q8 = make(m, LLAMASWIFT_KV_Q8_0, 0, full);
    llamaswift_session *mixed = make(m, LLAMASWIFT_KV_F16, LLAMASWIFT_KV_Q8_0, full);
    /* A 0.5 caller: kv_type_v lies past its struct_size and is not read (V = K's type). */
    llamaswift_session *old = make(m, LLAMASWIFT_KV_F16, 99, v05);
    llamaswift_session *all[4] = {f16, q8, mixed, old};
    for (int i = 0; i < 4; i++) CHECK_STATUS(llamaswift_session_decode(all[i], prompt, 12), LLAMASWIFT_OK);
    float d_q8 = max_diff(f16, q8, n_vocab), d_mixed = max_diff(f16, mixed, n_vocab);
    printf("test_kv_q8: max |logit F16 - Q8_0 K+V| = %g, F16 K + Q8_0 V = %g\n", d_q8, d_mixed);
    CHECK(d_q8 > 0 && d_q8 < 2.0f); /* measured 0.81 (SmolLM2, 12 tokens, v4) */
    CHECK(d_mixed > 0 && d_mixed < 2.0f); /* measured 0.76 */
    CHECK(max_diff(f16, old, n_vocab) == 0);

    /* The state records the cache types. */
    size_t len = 0;
    CHECK_STATUS(llamaswift_session_state_save(q8, NULL, 0, &len), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
    void *buf = malloc(len);
    CHECK_STATUS(llamaswift_session_state_save(q8, buf, len, &len), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_state_load(f16, buf, len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "q8_0") != NULL);
    CHECK_STATUS(llamaswift_session_state_load(mixed, buf, len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_session *q8b = make(m, LLAMASWIFT_KV_Q8_0, LLAMASWIFT_KV_Q8_0, full);
    CHECK_STATUS(llamaswift_session_state_load(q8b, buf, len), LLAMASWIFT_OK);
    CHECK(max_diff(q8, q8b, n_vocab) == 0);
    free(buf);

    /* Batched decode: one cache type per call. */
    llamaswift_batch_item items[2] = {{q8, prompt, 1}, {f16, prompt, 1}};
    CHECK_STATUS(llamaswift_batch_decode(items, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "cache type") != NULL);
    items[1].session = q8b;
    CHECK_STATUS(llamaswift_batch_decode(items, 2, NULL), LLAMASWIFT_OK);
    CHECK(max_diff(q8, q8b, n_vocab) == 0);

    /* Refusals, each with *out = NULL and a message naming the problem. */
    struct { uint32_t k, v; const char *msg; } bad[] = {
        {99, 0, "kv_type 99"}, {LLAMASWIFT_KV_F16, 99, "kv_type_v 99"},
        {LLAMASWIFT_KV_F32, LLAMASWIFT_KV_Q8_0, "F32"}, {LLAMASWIFT_KV_Q8_0, LLAMASWIFT_KV_F32, "F32"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        llamaswift_session_params sp = llamaswift_session_default_params();
        sp.n_ctx = 16;
        sp.kv_type = bad[i].k;
        sp.kv_type_v = bad[i].v;
        llamaswift_session *s = (llamaswift_session *)0x1;
        CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK(s == NULL && strstr(llamaswift_last_error(), bad[i].msg) != NULL);
    }

    for (int i = 0; i < 4; i++) llamaswift_session_free(all[i]);
    llamaswift_session_free(q8b);
    llamaswift_model_free(m);
    return check_summary("test_kv_q8");
}
