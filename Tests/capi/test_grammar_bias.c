/* A grammar and a logit bias together (0.5), through the header: the bias comes first
 * in the chain, then the grammar's mask, so a token banned by a -INFINITY bias is never
 * drawn even where the grammar allows it — with the yes/no grammar, banning every token
 * that can start "yes" makes the answer "no" and banning those of "no" makes it "yes",
 * greedy and sampled at several seeds; banning both leaves nothing and sampling is
 * INVALID_ARGUMENT. The log-probabilities under a grammar are the model's raw ones: a
 * log-softmax of the session's logits computed here (not renormalised over the grammar's
 * tokens), whose top entry is the unconstrained argmax.
 * Usage: test_grammar_bias MODEL */
#include <math.h>

#include "check.h"

/* Bans (-INFINITY) every token whose piece is a non-empty prefix of `word`: the tokens
 * the yes/no grammar could start that word with. Returns the entries written. */
static size_t ban_prefixes(const llamaswift_model *m, uint32_t n_vocab, const char *word, llamaswift_logit_bias *b,
                           size_t cap) {
    size_t n = 0;
    for (uint32_t t = 0; t < n_vocab && n < cap; t++) {
        char piece[64];
        size_t len = 0;
        if (llamaswift_token_to_piece(m, (int32_t)t, piece, sizeof piece, &len) != LLAMASWIFT_OK) continue;
        if (len > 0 && len <= strlen(word) && memcmp(piece, word, len) == 0)
            b[n++] = (llamaswift_logit_bias){(int32_t)t, -INFINITY};
    }
    return n;
}

static collected_text out;

static const char *answer(llamaswift_session *s, llamaswift_sampler *smp, const char *prompt) {
    out.len = 0;
    out.text[0] = 0;
    llamaswift_generate_result r = {.struct_size = sizeof r};
    llamaswift_generate_params gp = llamaswift_generate_default_params();
    gp.max_tokens = 8;
    CHECK_STATUS(llamaswift_generate(s, smp, prompt, strlen(prompt), &gp, collect_text, &out, &r), LLAMASWIFT_OK);
    return out.text;
}

int main(int argc, char **argv) {
    llamaswift_model *m;
    llamaswift_session *s;
    if (!open_model_session(argc, argv, 256, &m, &s)) return check_summary("test_grammar_bias");
    llamaswift_model_info info = {.struct_size = sizeof info};
    CHECK_STATUS(llamaswift_model_get_info(m, &info), LLAMASWIFT_OK);
    const uint32_t V = info.n_vocab;

    static llamaswift_logit_bias no_yes[64], no_no[64], both[128];
    const size_t n_yes = ban_prefixes(m, V, "yes", no_yes, 64), n_no = ban_prefixes(m, V, "no", no_no, 64);
    CHECK(n_yes >= 1 && n_no >= 1); /* at least "y" and "n" exist */
    memcpy(both, no_yes, n_yes * sizeof *both);
    memcpy(both + n_yes, no_no, n_no * sizeof *both);

    const char *yn = "root ::= \"yes\" | \"no\"";
    const char *prompt = "<|im_start|>user\nIs the sun hot?<|im_end|>\n<|im_start|>assistant\n";
    const float temps[] = {0.0f, 1.0f, 2.0f};
    for (int ti = 0; ti < 3; ti++) {
        for (uint64_t seed = 1; seed <= (temps[ti] == 0 ? 1u : 4u); seed++) {
            llamaswift_sampler_params sp = llamaswift_sampler_default_params();
            sp.temperature = temps[ti];
            sp.top_k = 0;
            sp.top_p = 1.0f;
            sp.min_p = 0.0f;
            sp.seed = seed;
            llamaswift_sampler *smp = NULL;
            CHECK_STATUS(llamaswift_sampler_create(&sp, &smp), LLAMASWIFT_OK);
            CHECK_STATUS(llamaswift_sampler_set_grammar(smp, m, yn, strlen(yn), NULL), LLAMASWIFT_OK);
            CHECK_STATUS(llamaswift_sampler_set_logit_bias(smp, no_yes, n_yes), LLAMASWIFT_OK);
            CHECK(strcmp(answer(s, smp, prompt), "no") == 0);
            CHECK_STATUS(llamaswift_sampler_set_logit_bias(smp, no_no, n_no), LLAMASWIFT_OK);
            CHECK(strcmp(answer(s, smp, prompt), "yes") == 0);
            llamaswift_sampler_free(smp);
        }
    }

    /* Both words banned: the grammar's tokens are all -INFINITY, nothing can be drawn. */
    llamaswift_sampler *g = NULL;
    llamaswift_sampler_params gsp = llamaswift_sampler_default_params();
    gsp.temperature = 0;
    CHECK_STATUS(llamaswift_sampler_create(&gsp, &g), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_sampler_set_grammar(g, m, yn, strlen(yn), NULL), LLAMASWIFT_OK);
    int32_t toks[128];
    size_t n = 0;
    CHECK_STATUS(llamaswift_tokenize(m, prompt, strlen(prompt), LLAMASWIFT_TOKENIZE_ADD_SPECIAL |
                                                                    LLAMASWIFT_TOKENIZE_PARSE_SPECIAL,
                                     toks, 128, &n),
                 LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_rewind(s, 0), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_decode(s, toks, n), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(g, both, n_yes + n_no), LLAMASWIFT_OK);
    int32_t tok = -1;
    CHECK_STATUS(llamaswift_sampler_sample(g, s, &tok), LLAMASWIFT_ERR_INVALID_ARGUMENT);

    /* Raw log-probabilities under the grammar (and a ban): a log-softmax of the logits. */
    CHECK_STATUS(llamaswift_sampler_set_logit_bias(g, no_yes, n_yes), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_sampler_sample(g, s, &tok), LLAMASWIFT_OK);
    const float *logits = llamaswift_session_logits(s);
    CHECK(logits != NULL);
    if (logits) {
        double mx = -INFINITY, z = 0;
        uint32_t argmax = 0;
        for (uint32_t i = 0; i < V; i++) {
            mx = fmax(mx, logits[i]);
            if (logits[i] > logits[argmax]) argmax = i;
        }
        for (uint32_t i = 0; i < V; i++) z += exp(logits[i] - mx);
        const double lz = mx + log(z);
        llamaswift_token_logprob chosen, top[3];
        size_t written = 0;
        CHECK_STATUS(llamaswift_sampler_last_logprobs(g, &chosen, top, 3, &written), LLAMASWIFT_OK);
        CHECK(chosen.token == tok && written == 3);
        CHECK(fabs(chosen.logprob - (logits[tok] - lz)) < 1e-4);
        CHECK(chosen.logprob < -1e-3); /* not 0: the grammar's one live token is not renormalised to 1 */
        CHECK(top[0].token == (int32_t)argmax);
        CHECK(fabs(top[0].logprob - (logits[argmax] - lz)) < 1e-4);
        char piece[64];
        size_t len = 0;
        CHECK_STATUS(llamaswift_token_to_piece(m, tok, piece, sizeof piece, &len), LLAMASWIFT_OK);
        CHECK(len > 0 && len <= 2 && memcmp(piece, "no", len) == 0); /* "n" or "no": the grammar's, not banned */
    }
    llamaswift_sampler_free(g);
    llamaswift_session_free(s);
    llamaswift_model_free(m);
    return check_summary("test_grammar_bias");
}
