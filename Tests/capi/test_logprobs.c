/* C test of logit bias, log-probabilities and embeddings through the header (0.5):
 * a +100 bias forces a token (sampler and generate), a -INFINITY ban never appears
 * (greedy and sampled, many seeds), banning every token is INVALID_ARGUMENT,
 * llamaswift_sampler_last_logprobs equals a log-softmax of the session's logits computed
 * here, generate's token callback gets n_probs alternatives, and an embeddings session's
 * pooled vectors equal the mean / first / last of its per-token rows. */
#include "llamaswift.h"
#include "check.h"
#include <math.h>
#include <stdlib.h>

static int32_t greedy_token(const float *l, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++)
        if (l[i] > l[best]) best = i;
    return (int32_t)best;
}

struct seen {
    int calls, bad_order, banned_hits, forced_misses, wrong_n_top;
    int32_t banned, forced;
    size_t n_probs;
};

static bool on_token(const llamaswift_generated_token *t, void *user) {
    struct seen *s = user;
    s->calls++;
    if (t->n_top != s->n_probs || (s->n_probs > 0 && t->top == NULL)) s->wrong_n_top++;
    for (size_t i = 1; i < t->n_top; i++)
        if (t->top[i].logprob > t->top[i - 1].logprob) s->bad_order++;
    if (t->token == s->banned) s->banned_hits++;
    if (s->forced >= 0 && t->token != s->forced) s->forced_misses++;
    if (!(t->logprob <= 0) || t->piece_len == 0) s->bad_order++;
    return true;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    llamaswift_model *m = NULL;
    CHECK_STATUS(llamaswift_model_load(argv[1], NULL, &m), LLAMASWIFT_OK);
    llamaswift_model_info info = {.struct_size = sizeof info};
    CHECK_STATUS(llamaswift_model_get_info(m, &info), LLAMASWIFT_OK);
    const uint32_t V = info.n_vocab, E = info.n_embd;

    llamaswift_session *s = NULL;
    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 256;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    const char *prompt = "The capital of France is";
    int32_t toks[64];
    size_t n = 0;
    CHECK_STATUS(llamaswift_tokenize(m, prompt, strlen(prompt), LLAMASWIFT_TOKENIZE_ADD_SPECIAL, toks, 64, &n),
                 LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_decode(s, toks, n), LLAMASWIFT_OK);
    const float *logits = llamaswift_session_logits(s);
    CHECK(logits != NULL);
    const int32_t top1 = greedy_token(logits, V);

    /* Argument checks. */
    llamaswift_sampler_params pp = llamaswift_sampler_default_params();
    pp.seed = 1;
    llamaswift_sampler *smp = NULL;
    CHECK_STATUS(llamaswift_sampler_create(&pp, &smp), LLAMASWIFT_OK);
    llamaswift_token_logprob chosen, top[8];
    size_t written = 99;
    CHECK_STATUS(llamaswift_sampler_last_logprobs(smp, &chosen, top, 8, &written), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_logit_bias bad[2] = {{5, 1.0f}, {-1, 1.0f}};
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(smp, bad, 2), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "1") != NULL);
    bad[1].token = 6;
    bad[1].bias = NAN;
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(smp, bad, 2), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(smp, NULL, 3), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(smp, NULL, 0), LLAMASWIFT_OK);

    /* +100 forces a token, at several seeds; its reported log-probability is the model's
     * (a log-softmax of the raw logits, computed here in double). */
    double mx = -INFINITY, z = 0;
    for (uint32_t i = 0; i < V; i++) mx = fmax(mx, logits[i]);
    for (uint32_t i = 0; i < V; i++) z += exp(logits[i] - mx);
    const double lz = mx + log(z);
    const int32_t forced = 1000;
    int forced_ok = 0, lp_ok = 0;
    for (uint64_t seed = 0; seed < 20; seed++) {
        llamaswift_sampler *f = NULL;
        pp.seed = seed;
        pp.temperature = 1.0f;
        CHECK_STATUS(llamaswift_sampler_create(&pp, &f), LLAMASWIFT_OK);
        llamaswift_logit_bias b = {forced, 100.0f};
        CHECK_STATUS(llamaswift_sampler_set_logit_bias(f, &b, 1), LLAMASWIFT_OK);
        int32_t t = -1;
        CHECK_STATUS(llamaswift_sampler_sample(f, s, &t), LLAMASWIFT_OK);
        forced_ok += t == forced;
        CHECK_STATUS(llamaswift_sampler_last_logprobs(f, &chosen, top, 8, &written), LLAMASWIFT_OK);
        int good = written == 8 && chosen.token == forced && fabs(chosen.logprob - (logits[forced] - lz)) < 1e-4;
        good = good && top[0].token == top1;
        for (int i = 0; i < 8; i++) {
            good = good && fabs(top[i].logprob - (logits[top[i].token] - lz)) < 1e-4;
            if (i > 0) good = good && top[i].logprob <= top[i - 1].logprob;
        }
        /* No alternative outside the top 8 beats the 8th. */
        for (uint32_t i = 0; i < V; i++) {
            int in_top = 0;
            for (int k = 0; k < 8; k++) in_top |= top[k].token == (int32_t)i;
            if (!in_top && logits[i] - lz > top[7].logprob + 1e-6) good = 0;
        }
        lp_ok += good;
        llamaswift_sampler_free(f);
    }
    CHECK(forced_ok == 20);
    CHECK(lp_ok == 20);

    /* A ban never appears: the greedy choice banned, then sampled at many seeds with the
     * 20 most likely tokens banned. */
    llamaswift_logit_bias bans[20];
    float *work = malloc(V * sizeof *work);
    memcpy(work, logits, V * sizeof *work);
    for (int k = 0; k < 20; k++) {
        int32_t b = greedy_token(work, V);
        bans[k].token = b;
        bans[k].bias = -INFINITY;
        work[b] = -INFINITY;
    }
    int ban_hits = 0, draws = 0;
    for (uint64_t seed = 0; seed < 100; seed++) {
        llamaswift_sampler *f = NULL;
        pp.seed = seed;
        pp.temperature = seed % 4 == 0 ? 0.0f : 1.5f;
        pp.top_k = 0;
        CHECK_STATUS(llamaswift_sampler_create(&pp, &f), LLAMASWIFT_OK);
        CHECK_STATUS(llamaswift_sampler_set_logit_bias(f, bans, 20), LLAMASWIFT_OK);
        for (int r = 0; r < 5; r++) {
            int32_t t = -1;
            CHECK_STATUS(llamaswift_sampler_sample(f, s, &t), LLAMASWIFT_OK);
            for (int k = 0; k < 20; k++) ban_hits += t == bans[k].token;
            draws++;
            if (pp.temperature == 0.0f) CHECK(t == greedy_token(work, V));
        }
        llamaswift_sampler_free(f);
    }
    CHECK(ban_hits == 0 && draws == 500);
    free(work);

    /* Banning every token. */
    llamaswift_logit_bias *all = malloc(V * sizeof *all);
    for (uint32_t i = 0; i < V; i++) all[i] = (llamaswift_logit_bias){(int32_t)i, -INFINITY};
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(smp, all, V), LLAMASWIFT_OK);
    int32_t t = -1;
    CHECK_STATUS(llamaswift_sampler_sample(smp, s, &t), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "bans every token") != NULL);
    free(all);

    /* generate: n_probs alternatives per token; a ban of the greedy first answer token. */
    llamaswift_sampler_params gp = llamaswift_sampler_default_params();
    gp.temperature = 0;
    llamaswift_sampler *g = NULL;
    CHECK_STATUS(llamaswift_sampler_create(&gp, &g), LLAMASWIFT_OK);
    llamaswift_logit_bias ban = {top1, -INFINITY};
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(g, &ban, 1), LLAMASWIFT_OK);
    struct seen seen = {.banned = top1, .forced = -1, .n_probs = 5};
    llamaswift_generate_params gpar = llamaswift_generate_default_params();
    gpar.max_tokens = 12;
    gpar.token_callback = on_token;
    gpar.token_callback_user_data = &seen;
    gpar.n_probs = 5;
    llamaswift_generate_result res = {.struct_size = sizeof res};
    CHECK_STATUS(llamaswift_generate(s, g, prompt, strlen(prompt), &gpar, NULL, NULL, &res), LLAMASWIFT_OK);
    CHECK(seen.calls == (int)res.n_generated && seen.calls > 0);
    CHECK(seen.bad_order == 0 && seen.banned_hits == 0 && seen.wrong_n_top == 0);
    /* +100 on one token in generate: every generated token is it. */
    llamaswift_logit_bias force = {forced, 100.0f};
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(g, &force, 1), LLAMASWIFT_OK);
    struct seen seen2 = {.banned = -1, .forced = forced, .n_probs = 0};
    gpar.token_callback_user_data = &seen2;
    gpar.n_probs = 0;
    CHECK_STATUS(llamaswift_generate(s, g, prompt, strlen(prompt), &gpar, NULL, NULL, &res), LLAMASWIFT_OK);
    CHECK(seen2.calls == 12 && seen2.forced_misses == 0 && seen2.wrong_n_top == 0);
    /* A caller built against 0.4 (struct_size 48) gets no token callback. */
    struct seen seen3 = {.banned = -1, .forced = -1};
    gpar.token_callback_user_data = &seen3;
    gpar.struct_size = 48;
    CHECK_STATUS(llamaswift_generate(s, g, prompt, strlen(prompt), &gpar, NULL, NULL, &res), LLAMASWIFT_OK);
    CHECK(seen3.calls == 0);

    /* Embeddings: NONE rows, then MEAN/CLS/LAST of the same call equal their definitions;
     * no logits on such a session. */
    llamaswift_session_params ep = llamaswift_session_default_params();
    ep.n_ctx = 64;
    ep.embeddings = true;
    ep.pooling_type = LLAMASWIFT_POOLING_TYPE_NONE;
    llamaswift_session *e = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &ep, &e), LLAMASWIFT_OK);
    size_t rows = 99;
    CHECK(llamaswift_session_embeddings(e, &rows) == NULL && rows == 0);
    CHECK_STATUS(llamaswift_session_decode(e, toks, n), LLAMASWIFT_OK);
    const float *er = llamaswift_session_embeddings(e, &rows);
    CHECK(er != NULL && rows == n);
    CHECK(llamaswift_session_logits(e) == NULL);
    CHECK_STATUS(llamaswift_sampler_sample(g, e, &t), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    float *copy = malloc(n * E * sizeof *copy);
    memcpy(copy, er, n * E * sizeof *copy);
    const int32_t pools[3] = {LLAMASWIFT_POOLING_TYPE_MEAN, LLAMASWIFT_POOLING_TYPE_CLS, LLAMASWIFT_POOLING_TYPE_LAST};
    for (int k = 0; k < 3; k++) {
        ep.pooling_type = pools[k];
        ep.embd_normalize = 2;
        llamaswift_session *p = NULL;
        CHECK_STATUS(llamaswift_session_create(m, &ep, &p), LLAMASWIFT_OK);
        CHECK_STATUS(llamaswift_session_decode(p, toks, n), LLAMASWIFT_OK);
        const float *v = llamaswift_session_embeddings(p, &rows);
        CHECK(v != NULL && rows == 1);
        double *want = calloc(E, sizeof *want), norm = 0, worst = 0;
        for (uint32_t j = 0; j < E; j++) {
            if (k == 0) {
                for (size_t r = 0; r < n; r++) want[j] += copy[r * E + j];
                want[j] /= (double)n;
            } else {
                want[j] = copy[(k == 1 ? 0 : n - 1) * E + j];
            }
            norm += want[j] * want[j];
        }
        norm = sqrt(norm);
        for (uint32_t j = 0; v && j < E; j++) worst = fmax(worst, fabs(v[j] - want[j] / norm));
        CHECK(worst < 1e-6);
        free(want);
        llamaswift_session_free(p);
    }
    ep.pooling_type = 4; /* RANK: not supported */
    llamaswift_session *r = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &ep, &r), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    free(copy);
    llamaswift_session_free(e);
    llamaswift_sampler_free(g);
    llamaswift_sampler_free(smp);
    llamaswift_session_free(s);
    llamaswift_model_free(m);
    return check_summary("test_logprobs");
}
