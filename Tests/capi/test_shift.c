/* C test of context shift and prefix sharing: llamaswift_session_shift against
 * llama.cpp's shifted logits (Tests/Fixtures/smollm2-shift.txt, made by
 * scripts/ref/make_shift_refs.py), generation past n_ctx through llamaswift_generate's
 * context_shift, append-mode turns, and llamaswift_session_copy_prefix equal to
 * recomputing the prefix bit for bit; every error leaves the sessions unchanged. */
#include "llamaswift.h"
#include "check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static llamaswift_model *model;
static uint32_t n_vocab;

static llamaswift_session *make(uint32_t n_ctx, uint32_t kv_type) {
    llamaswift_session_params p = llamaswift_session_default_params();
    p.n_ctx = n_ctx;
    p.n_batch = n_ctx;
    p.n_threads = 2;
    p.kv_type = kv_type;
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(model, &p, &s), LLAMASWIFT_OK);
    return s;
}

static int32_t argmax(const float *l) {
    int32_t best = 0;
    for (uint32_t i = 1; i < n_vocab; i++)
        if (l[i] > l[best]) best = (int32_t)i;
    return best;
}

/* Our shifted logits against llama.cpp's: within 1.0 at its top-20 ids (the tolerance
 * of unshifted later positions, README "Correctness"), the same top-1 wherever
 * llama.cpp's top-2 margin is at least 0.25. */
static void against_llamacpp(const char *path) {
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    int n_ctx, keep, discard, prefill, steps, n;
    CHECK(fscanf(f, " settings %d %d %d %d %d tokens %d", &n_ctx, &keep, &discard, &prefill, &steps, &n) == 6);
    int32_t *toks = calloc((size_t)n, sizeof *toks);
    for (int i = 0; i < n; i++) CHECK(fscanf(f, "%d", &toks[i]) == 1);
    llamaswift_session *s = make((uint32_t)n_ctx, 0);
    CHECK_STATUS(llamaswift_session_decode(s, toks, (size_t)prefill), LLAMASWIFT_OK);
    const float *before = llamaswift_session_logits(s);
    float b0 = before[0];
    CHECK_STATUS(llamaswift_session_shift(s, (uint32_t)keep, (uint32_t)discard), LLAMASWIFT_OK);
    CHECK(llamaswift_session_position(s) == (uint32_t)(prefill - discard));
    CHECK(llamaswift_session_logits(s) == before && before[0] == b0); /* the logits stay */
    double worst = 0;
    int clear = 0, same_top = 0;
    for (int i = 0; i < steps; i++) {
        int step;
        float margin;
        CHECK(fscanf(f, " step %d %f", &step, &margin) == 2 && step == i);
        CHECK_STATUS(llamaswift_session_decode(s, &toks[prefill + i], 1), LLAMASWIFT_OK);
        const float *l = llamaswift_session_logits(s);
        int32_t top = -1;
        for (int k = 0; k < 20; k++) {
            int id;
            float v;
            CHECK(fscanf(f, "%d %f", &id, &v) == 2);
            if (k == 0) top = id;
            double d = fabs((double)l[id] - v);
            if (d > worst) worst = d;
        }
        if (margin >= 0.25f) {
            clear++;
            if (argmax(l) == top) same_top++;
        }
    }
    fclose(f);
    printf("test_shift: after a shift of %d (keep %d), %d steps: max |dlogit| vs llama.cpp %.4f; top-1 equal on %d "
           "of %d clear steps\n", discard, keep, steps, worst, same_top, clear);
    CHECK(worst <= 1.0);
    CHECK(clear >= steps / 2 && same_top == clear);
    free(toks);
    llamaswift_session_free(s);
}

struct counter { size_t bytes; };
static bool count_piece(const char *t, size_t n, void *user) {
    (void)t;
    ((struct counter *)user)->bytes += n;
    return true;
}

static void generate_past_the_context(void) {
    llamaswift_session *s = make(48, 0);
    llamaswift_sampler_params sp = llamaswift_sampler_default_params();
    sp.temperature = 0;
    llamaswift_sampler *smp = NULL;
    CHECK_STATUS(llamaswift_sampler_create(&sp, &smp), LLAMASWIFT_OK);
    const char *prompt = "Once upon a time, in a land far away,";
    llamaswift_generate_params gp = llamaswift_generate_default_params();
    CHECK(gp.context_shift && gp.n_keep == 0 && !gp.append);
    gp.max_tokens = 120;
    llamaswift_generate_result r = {.struct_size = sizeof r};
    struct counter c = {0};
    CHECK_STATUS(llamaswift_generate(s, smp, prompt, strlen(prompt), &gp, count_piece, &c, &r), LLAMASWIFT_OK);
    CHECK(r.stop_reason == LLAMASWIFT_STOP_MAX_TOKENS || r.stop_reason == LLAMASWIFT_STOP_END_OF_GENERATION);
    CHECK(r.n_generated > 48 || r.stop_reason == LLAMASWIFT_STOP_END_OF_GENERATION);
    CHECK(r.n_context_shifts >= 1 && llamaswift_session_position(s) <= 48);
    printf("test_shift: generate in n_ctx 48: %u tokens, %u shifts, stop %u\n", r.n_generated, r.n_context_shifts,
           r.stop_reason);
    /* Asked not to shift: a full context ends the generation. */
    gp.context_shift = false;
    CHECK_STATUS(llamaswift_generate(s, smp, prompt, strlen(prompt), &gp, NULL, NULL, &r), LLAMASWIFT_OK);
    CHECK(r.stop_reason == LLAMASWIFT_STOP_CONTEXT_FULL && r.n_context_shifts == 0);
    /* A caller built before these fields (struct_size 40): they are not read, the
     * defaults apply (shift on). */
    gp.struct_size = 40;
    CHECK_STATUS(llamaswift_generate(s, smp, prompt, strlen(prompt), &gp, NULL, NULL, &r), LLAMASWIFT_OK);
    CHECK(r.n_context_shifts >= 1);
    gp.struct_size = sizeof gp;
    /* Append: a next turn's text continues the session's tokens. */
    gp.context_shift = true;
    gp.max_tokens = 4;
    llamaswift_session *t = make(256, 0);
    const char *turn1 = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    CHECK_STATUS(llamaswift_generate(t, smp, turn1, strlen(turn1), &gp, NULL, NULL, &r), LLAMASWIFT_OK);
    uint32_t pos = llamaswift_session_position(t);
    const char *turn2 = "<|im_end|>\n<|im_start|>user\nAnd?<|im_end|>\n<|im_start|>assistant\n";
    gp.append = true;
    gp.tokenize_flags = LLAMASWIFT_TOKENIZE_PARSE_SPECIAL;
    CHECK_STATUS(llamaswift_generate(t, smp, turn2, strlen(turn2), &gp, NULL, NULL, &r), LLAMASWIFT_OK);
    CHECK(r.n_prompt_evaluated == r.n_prompt_tokens && llamaswift_session_position(t) > pos + r.n_prompt_tokens - 1);
    llamaswift_session_free(t);
    llamaswift_sampler_free(smp);
    llamaswift_session_free(s);
}

static void shift_errors(void) {
    llamaswift_session *s = make(32, 0);
    int32_t t[10] = {1, 9690, 28, 30, 2, 10, 11, 12, 13, 14};
    CHECK_STATUS(llamaswift_session_decode(s, t, 10), LLAMASWIFT_OK);
    const float *l = llamaswift_session_logits(s);
    CHECK_STATUS(llamaswift_session_shift(NULL, 0, 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_shift(s, 2, 0), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_shift(s, 5, 6), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_shift(s, UINT32_MAX, UINT32_MAX), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(llamaswift_session_position(s) == 10 && llamaswift_session_logits(s) == l);
    CHECK_STATUS(llamaswift_session_shift(s, 0, 10), LLAMASWIFT_OK); /* everything: an empty session */
    CHECK(llamaswift_session_position(s) == 0);
    CHECK_STATUS(llamaswift_session_decode(s, t, 3), LLAMASWIFT_OK);
    llamaswift_session_free(s);
}

/* A session started from another's prefix equals one that computed the prefix itself. */
static void prefix_sharing(void) {
    const char *sys = "<|im_start|>system\nYou are a helpful assistant named SmolLM, trained by Hugging Face"
                      "<|im_end|>\n<|im_start|>user\n";
    int32_t p[128], x[8] = {9690, 28, 30, 2, 1, 10, 11, 12};
    size_t np = 0;
    CHECK_STATUS(llamaswift_tokenize(model, sys, strlen(sys), LLAMASWIFT_TOKENIZE_PARSE_SPECIAL, p, 128, &np),
                 LLAMASWIFT_OK);
    llamaswift_session *shared = make(256, 0), *fresh = make(256, 0), *copy = make(128, 0);
    CHECK_STATUS(llamaswift_session_decode(shared, p, np), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_decode(shared, x, 3), LLAMASWIFT_OK); /* the source went on: only np shared */
    for (size_t cut = np - 5; cut <= np; cut += 5) {
        CHECK_STATUS(llamaswift_session_copy_prefix(copy, shared, (uint32_t)cut), LLAMASWIFT_OK);
        CHECK(llamaswift_session_position(copy) == cut && llamaswift_session_logits(copy) == NULL);
        CHECK_STATUS(llamaswift_session_rewind(fresh, 0), LLAMASWIFT_OK);
        CHECK_STATUS(llamaswift_session_decode(fresh, p, cut), LLAMASWIFT_OK);
        for (int step = 0; step < 3; step++) {
            size_t m = step == 0 ? 5 : 1;
            CHECK_STATUS(llamaswift_session_decode(copy, x + step, m), LLAMASWIFT_OK);
            CHECK_STATUS(llamaswift_session_decode(fresh, x + step, m), LLAMASWIFT_OK);
            CHECK(memcmp(llamaswift_session_logits(copy), llamaswift_session_logits(fresh), n_vocab * sizeof(float)) ==
                  0);
        }
    }
    /* Errors leave dst unchanged. */
    uint32_t pos = llamaswift_session_position(copy);
    const float *l = llamaswift_session_logits(copy);
    llamaswift_session *f32 = make(256, LLAMASWIFT_KV_F32), *small = make(8, 0);
    CHECK_STATUS(llamaswift_session_copy_prefix(copy, copy, 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_copy_prefix(copy, NULL, 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_copy_prefix(NULL, shared, 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_copy_prefix(copy, shared, (uint32_t)np + 4), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_copy_prefix(copy, f32, 0), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(llamaswift_session_position(copy) == pos && llamaswift_session_logits(copy) == l);
    CHECK_STATUS(llamaswift_session_copy_prefix(small, shared, 9), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_copy_prefix(small, shared, 8), LLAMASWIFT_OK);
    llamaswift_session_free(f32);
    llamaswift_session_free(small);
    llamaswift_session_free(shared);
    llamaswift_session_free(fresh);
    llamaswift_session_free(copy);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    CHECK_STATUS(llamaswift_model_load(argv[1], NULL, &model), LLAMASWIFT_OK);
    if (!model) return check_summary("test_shift");
    llamaswift_model_info info = {.struct_size = sizeof info};
    CHECK_STATUS(llamaswift_model_get_info(model, &info), LLAMASWIFT_OK);
    n_vocab = info.n_vocab;
    against_llamacpp(argc > 3 ? argv[3] : "Tests/Fixtures/smollm2-shift.txt");
    generate_past_the_context();
    shift_errors();
    prefix_sharing();
    llamaswift_model_free(model);
    return check_summary("test_shift");
}
