/* C test of llamaswift_batch_decode: several sessions of one model in shared forward
 * passes must end exactly as each session decoded alone — positions and logits bit for
 * bit — for 1, 3 and 8 sessions at different positions, prompt lengths, n_ctx, n_batch,
 * thread counts and logits_all, through prefill, mixed prefill + decode, and greedy
 * decode steps; sessions outside the call are untouched; every error leaves every
 * session as it was. */
#define _DEFAULT_SOURCE
#include "llamaswift.h"
#include "check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <unistd.h>

#define MAXS 8
#define MAXT 96

static llamaswift_model *model;
static uint32_t n_vocab;
static int compared; /* logits rows compared bit for bit */

static const char *texts[MAXS] = {
    "The capital of France is",
    "<|im_start|>user\nWrite a haiku about the sea.<|im_end|>\n<|im_start|>assistant\n",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23",
    "Once upon a time",
    "def fibonacci(n):\n    if n < 2:\n        return n\n",
    "Hi",
    "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again and again.",
    "Swift is a programming language that",
};

static size_t tokenize(const char *text, int32_t *toks) {
    size_t n = 0;
    if (llamaswift_tokenize(model, text, strlen(text), LLAMASWIFT_TOKENIZE_PARSE_SPECIAL, toks, MAXT, &n) !=
        LLAMASWIFT_OK)
        return 0;
    return n;
}

static llamaswift_session *make(uint32_t n_ctx, uint32_t n_batch, uint32_t threads, bool logits_all) {
    llamaswift_session_params p = llamaswift_session_default_params();
    p.n_ctx = n_ctx;
    p.n_batch = n_batch;
    p.n_threads = threads;
    p.logits_all = logits_all;
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

/* The logits rows of a and b (rows × n_vocab) are equal bit for bit, as are positions. */
static bool same(llamaswift_session *a, llamaswift_session *b, size_t rows) {
    const float *la = llamaswift_session_logits(a), *lb = llamaswift_session_logits(b);
    if (!la || !lb || llamaswift_session_position(a) != llamaswift_session_position(b)) return false;
    compared += (int)rows;
    return memcmp(la, lb, rows * n_vocab * sizeof(float)) == 0;
}

/* n sessions: prompts of different lengths (a session's prompt is texts[(i + shift) % 8],
 * cut to a different length per session); `alone` decoded one by one, `batched` through
 * llamaswift_batch_decode with pass size n_batch; then `steps` greedy decode steps with
 * one token each, then a mixed step where half the sessions add several tokens. */
static void run_case(int n, uint32_t n_batch, int steps, int shift) {
    llamaswift_session *alone[MAXS], *batched[MAXS];
    int32_t toks[MAXS][MAXT];
    size_t len[MAXS];
    bool all[MAXS];
    for (int i = 0; i < n; i++) {
        len[i] = tokenize(texts[(i + shift) % MAXS], toks[i]);
        if (len[i] > 3 + (size_t)i) len[i] -= (size_t)i; /* different lengths, different positions */
        all[i] = (i % 4 == 3);                          /* some sessions keep every position's logits */
        /* Different n_ctx, n_batch and threads per session: results must not depend on them. */
        alone[i] = make(256 + 64 * (uint32_t)i, (uint32_t)(i % 3 == 1 ? 7 : 0), 1, all[i]);
        batched[i] = make(512 - 32 * (uint32_t)i, 0, (uint32_t)(i == 0 ? 2 : 1), all[i]);
    }
    /* A session of the model that is in no call: untouched. */
    llamaswift_session *outside = make(64, 0, 1, false);
    int32_t hello[2] = {1, 2};
    CHECK_STATUS(llamaswift_session_decode(outside, hello, 2), LLAMASWIFT_OK);
    float outside0 = llamaswift_session_logits(outside)[0];
    const float *outside_ptr = llamaswift_session_logits(outside);

    /* Prefill. */
    llamaswift_batch_item items[MAXS];
    for (int i = 0; i < n; i++) {
        CHECK_STATUS(llamaswift_session_decode(alone[i], toks[i], len[i]), LLAMASWIFT_OK);
        items[i] = (llamaswift_batch_item){batched[i], toks[i], len[i]};
    }
    llamaswift_batch_params bp = llamaswift_batch_default_params();
    bp.n_batch = n_batch;
    CHECK_STATUS(llamaswift_batch_decode(items, (size_t)n, &bp), LLAMASWIFT_OK);
    for (int i = 0; i < n; i++) CHECK(same(alone[i], batched[i], all[i] ? len[i] : 1));

    /* Greedy decode steps: one token per session per pass. */
    int32_t next[MAXS];
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < n; i++) {
            const float *l = llamaswift_session_logits(alone[i]);
            next[i] = argmax(l + (all[i] && step == 0 ? (len[i] - 1) * n_vocab : 0));
            CHECK_STATUS(llamaswift_session_decode(alone[i], &next[i], 1), LLAMASWIFT_OK);
            items[i] = (llamaswift_batch_item){batched[i], &next[i], 1};
        }
        CHECK_STATUS(llamaswift_batch_decode(items, (size_t)n, &bp), LLAMASWIFT_OK);
        for (int i = 0; i < n; i++) CHECK(same(alone[i], batched[i], 1));
    }

    /* Mixed: even sessions add 5 tokens (prefill of a new turn), odd ones 1 (decode). */
    int32_t more[5] = {28, 1, 9690, 30, 2};
    for (int i = 0; i < n; i++) {
        size_t m = i % 2 == 0 ? 5 : 1;
        CHECK_STATUS(llamaswift_session_decode(alone[i], more, m), LLAMASWIFT_OK);
        items[i] = (llamaswift_batch_item){batched[i], more, m};
    }
    CHECK_STATUS(llamaswift_batch_decode(items, (size_t)n, &bp), LLAMASWIFT_OK);
    for (int i = 0; i < n; i++) CHECK(same(alone[i], batched[i], all[i] ? (i % 2 == 0 ? 5 : 1) : 1));

    CHECK(llamaswift_session_position(outside) == 2 && llamaswift_session_logits(outside) == outside_ptr &&
          llamaswift_session_logits(outside)[0] == outside0);
    for (int i = 0; i < n; i++) {
        llamaswift_session_free(alone[i]);
        llamaswift_session_free(batched[i]);
    }
    llamaswift_session_free(outside);
}

/* Every error leaves every session as it was. */
static void errors(const char *model_path) {
    llamaswift_session *a = make(32, 0, 2, false), *b = make(16, 0, 1, false);
    int32_t t3[3] = {1, 9690, 28};
    CHECK_STATUS(llamaswift_session_decode(a, t3, 3), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_decode(b, t3, 3), LLAMASWIFT_OK);
    const float *la = llamaswift_session_logits(a), *lb = llamaswift_session_logits(b);
    float a0 = la[0], b0 = lb[0];
#define UNCHANGED()                                                                                             \
    CHECK(llamaswift_session_position(a) == 3 && llamaswift_session_position(b) == 3 &&                         \
          llamaswift_session_logits(a) == la && llamaswift_session_logits(b) == lb && la[0] == a0 && lb[0] == b0)

    int32_t one = 30, bad = 49152, fourteen[14] = {0};
    llamaswift_batch_item items[2] = {{a, &one, 1}, {b, &one, 1}};
    CHECK_STATUS(llamaswift_batch_decode(NULL, 1, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_batch_decode(items, 0, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_batch_decode(items, (size_t)-1, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_batch_decode(items, 65537, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_batch_params bp = llamaswift_batch_default_params();
    CHECK(bp.struct_size == sizeof bp && bp.n_batch == 0);
    CHECK_STATUS(llamaswift_batch_params_init(NULL, sizeof bp), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_batch_params_init(&bp, 2), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    bp.struct_size = 0;
    CHECK_STATUS(llamaswift_batch_decode(items, 2, &bp), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    UNCHANGED();

    llamaswift_batch_item dup[2] = {{a, &one, 1}, {a, &one, 1}};
    CHECK_STATUS(llamaswift_batch_decode(dup, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "twice") != NULL);
    llamaswift_batch_item badtok[2] = {{a, &one, 1}, {b, &bad, 1}};
    CHECK_STATUS(llamaswift_batch_decode(badtok, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "item 1") != NULL);
    llamaswift_batch_item full[2] = {{a, &one, 1}, {b, fourteen, 14}}; /* b: 3 + 14 > 16 */
    CHECK_STATUS(llamaswift_batch_decode(full, 2, NULL), LLAMASWIFT_ERR_CONTEXT_FULL);
    llamaswift_batch_item nulls[2] = {{a, &one, 1}, {NULL, &one, 1}};
    CHECK_STATUS(llamaswift_batch_decode(nulls, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_batch_item nulltok[2] = {{a, &one, 1}, {b, NULL, 1}};
    CHECK_STATUS(llamaswift_batch_decode(nulltok, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_batch_item zero[2] = {{a, &one, 1}, {b, &one, 0}};
    CHECK_STATUS(llamaswift_batch_decode(zero, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_batch_item huge[2] = {{a, &one, 1}, {b, &one, (size_t)-1}};
    CHECK_STATUS(llamaswift_batch_decode(huge, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_batch_item freed[2] = {{a, &one, 1}, {(llamaswift_session *)model, &one, 1}};
    CHECK_STATUS(llamaswift_batch_decode(freed, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    UNCHANGED();

    /* Another model handle (the same file loaded again) and another KV type. */
    llamaswift_model *m2 = NULL;
    CHECK_STATUS(llamaswift_model_load(model_path, NULL, &m2), LLAMASWIFT_OK);
    llamaswift_session *c = NULL;
    CHECK_STATUS(llamaswift_session_create(m2, NULL, &c), LLAMASWIFT_OK);
    llamaswift_batch_item other[2] = {{a, &one, 1}, {c, &one, 1}};
    CHECK_STATUS(llamaswift_batch_decode(other, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_session_params p = llamaswift_session_default_params();
    p.kv_type = LLAMASWIFT_KV_F32;
    llamaswift_session *d = NULL;
    CHECK_STATUS(llamaswift_session_create(model, &p, &d), LLAMASWIFT_OK);
    llamaswift_batch_item kv[2] = {{a, &one, 1}, {d, &one, 1}};
    CHECK_STATUS(llamaswift_batch_decode(kv, 2, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(llamaswift_session_position(c) == 0 && llamaswift_session_position(d) == 0);
    UNCHANGED();
    llamaswift_session_free(c);
    llamaswift_session_free(d);
    llamaswift_model_free(m2);

    /* Still usable: the batch now succeeds. */
    CHECK_STATUS(llamaswift_batch_decode(items, 2, NULL), LLAMASWIFT_OK);
    CHECK(llamaswift_session_position(a) == 4 && llamaswift_session_position(b) == 4);
    llamaswift_session_free(a);
    llamaswift_session_free(b);
}

/* A cancel of any session of a running batch cancels the whole call; no session changes. */
struct batch_call { llamaswift_batch_item *items; size_t n; llamaswift_status status; };
static void *run_batch(void *arg) {
    struct batch_call *c = arg;
    c->status = llamaswift_batch_decode(c->items, c->n, NULL);
    return NULL;
}

static void cancel_during_batch(void) {
    llamaswift_session *s[3];
    static int32_t prompt[1000];
    for (int i = 0; i < 1000; i++) prompt[i] = 100 + i;
    for (int i = 0; i < 3; i++) s[i] = make(2048, 0, 1, false);
    CHECK_STATUS(llamaswift_session_decode(s[1], prompt, 3), LLAMASWIFT_OK);
    const float *l1 = llamaswift_session_logits(s[1]);
    llamaswift_batch_item items[3] = {{s[0], prompt, 1000}, {s[1], prompt, 900}, {s[2], prompt, 800}};
    struct batch_call call = {items, 3, LLAMASWIFT_OK};
    pthread_t th;
    pthread_create(&th, NULL, run_batch, &call);
    usleep(300 * 1000); /* well inside a call of 2,700 tokens on one thread */
    llamaswift_session_cancel(s[2]);
    pthread_join(th, NULL);
    CHECK_STATUS(call.status, LLAMASWIFT_ERR_CANCELLED);
    CHECK(llamaswift_session_position(s[0]) == 0 && llamaswift_session_position(s[1]) == 3 &&
          llamaswift_session_position(s[2]) == 0 && llamaswift_session_logits(s[1]) == l1 &&
          llamaswift_session_logits(s[0]) == NULL);
    /* Usable afterwards; a cancel now (no call running) applies to nothing. */
    llamaswift_session_cancel(s[0]);
    items[0].n_tokens = 5;
    items[1].n_tokens = 2;
    items[2].n_tokens = 1;
    CHECK_STATUS(llamaswift_batch_decode(items, 3, NULL), LLAMASWIFT_OK);
    CHECK(llamaswift_session_position(s[1]) == 5);
    for (int i = 0; i < 3; i++) llamaswift_session_free(s[i]);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    CHECK_STATUS(llamaswift_model_load(argv[1], NULL, &model), LLAMASWIFT_OK);
    if (!model) return check_summary("test_batch");
    llamaswift_model_info info = {.struct_size = sizeof info};
    CHECK_STATUS(llamaswift_model_get_info(model, &info), LLAMASWIFT_OK);
    n_vocab = info.n_vocab;

    run_case(1, 0, 4, 0);
    run_case(3, 0, 6, 1);
    run_case(3, 9, 3, 2);  /* passes of 9 tokens: sessions split across passes */
    run_case(8, 0, 6, 3);
    run_case(8, 16, 2, 5); /* 8 sessions in passes of 16 */
    errors(argv[1]);
    cancel_during_batch();
    printf("test_batch: %d logits rows compared bit for bit\n", compared);
    llamaswift_model_free(model);
    return check_summary("test_batch");
}
