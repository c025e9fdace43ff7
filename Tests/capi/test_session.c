/* C test of sessions, sampling, generation and chat through the header: decode and
 * logits, CONTEXT_FULL leaving the session usable, rewind, cancel, params validation,
 * streaming with a stop string, and chat formatting with size-then-fill. */
#include "llamaswift.h"
#include "check.h"
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

struct collect { char text[4096]; size_t len; int calls; };

static bool collect_piece(const char *t, size_t n, void *user) {
    struct collect *c = user;
    if (c->len + n < sizeof c->text) { memcpy(c->text + c->len, t, n); c->len += n; c->text[c->len] = 0; }
    c->calls++;
    return true;
}

static bool stop_now(const char *t, size_t n, void *user) { (void)t; (void)n; (void)user; return false; }

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    llamaswift_model *m = NULL;
    CHECK_STATUS(llamaswift_model_load(argv[1], NULL, &m), LLAMASWIFT_OK);

    /* Tokens */
    int32_t toks[64];
    size_t n = 0;
    const char *text = "<|im_start|>user\nHi<|im_end|>";
    CHECK_STATUS(llamaswift_tokenize(m, text, strlen(text), LLAMASWIFT_TOKENIZE_PARSE_SPECIAL, toks, 64, &n), LLAMASWIFT_OK);
    CHECK(n > 2 && toks[0] == 1);
    CHECK_STATUS(llamaswift_tokenize(m, text, strlen(text), 0, toks, 1, &n), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
    CHECK(n > 5);
    CHECK_STATUS(llamaswift_tokenize(m, text, strlen(text), 0x80, toks, 64, &n), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    char piece[64];
    size_t len = 0;
    CHECK_STATUS(llamaswift_token_to_piece(m, 1, piece, sizeof piece, &len), LLAMASWIFT_OK);
    CHECK(strcmp(piece, "<|im_start|>") == 0);
    CHECK_STATUS(llamaswift_token_to_piece(m, 49152, piece, sizeof piece, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(llamaswift_token_eos(m) == 2 && llamaswift_token_is_end_of_generation(m, 2));
    CHECK(!llamaswift_token_is_end_of_generation(m, 100) && !llamaswift_token_is_end_of_generation(m, -5));
    CHECK(llamaswift_token_bos(NULL) == -1);

    /* Sessions */
    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 8;
    sp.n_threads = 2;
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    CHECK(llamaswift_session_logits(s) == NULL);
    int32_t five[5] = {1, 9690, 28, 2, 10};
    CHECK_STATUS(llamaswift_session_decode(s, five, 5), LLAMASWIFT_OK);
    CHECK(llamaswift_session_position(s) == 5 && llamaswift_session_logits(s) != NULL);
    float first = llamaswift_session_logits(s)[0];
    CHECK_STATUS(llamaswift_session_decode(s, five, 5), LLAMASWIFT_ERR_CONTEXT_FULL);
    CHECK(llamaswift_session_position(s) == 5 && llamaswift_session_logits(s)[0] == first);
    int32_t bad = -1;
    CHECK_STATUS(llamaswift_session_decode(s, &bad, 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_session_cancel(s); /* nothing running: ignored (test_hardening cancels during calls) */
    CHECK_STATUS(llamaswift_session_decode(s, five, 1), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_rewind(s, 9), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_rewind(s, 0), LLAMASWIFT_OK);

    /* Session state: size then fill, restore into another session, continue identically;
     * a file round trip; corrupt and truncated bytes refused with the session unchanged. */
    {
        CHECK_STATUS(llamaswift_session_decode(s, five, 4), LLAMASWIFT_OK);
        size_t need = 0;
        CHECK_STATUS(llamaswift_session_state_save(s, NULL, 0, &need), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
        CHECK(need > 4 * 49152);
        unsigned char *state = malloc(need);
        size_t got = 0;
        CHECK_STATUS(llamaswift_session_state_save(s, state, need - 1, &got), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
        CHECK_STATUS(llamaswift_session_state_save(s, state, need, &got), LLAMASWIFT_OK);
        CHECK(got == need);
        llamaswift_session *r = NULL;
        CHECK_STATUS(llamaswift_session_create(m, &sp, &r), LLAMASWIFT_OK);
        CHECK_STATUS(llamaswift_session_state_load(r, state, got), LLAMASWIFT_OK);
        CHECK(llamaswift_session_position(r) == 4);
        CHECK(memcmp(llamaswift_session_logits(r), llamaswift_session_logits(s), 49152 * sizeof(float)) == 0);
        int32_t next = 28;
        CHECK_STATUS(llamaswift_session_decode(s, &next, 1), LLAMASWIFT_OK);
        CHECK_STATUS(llamaswift_session_decode(r, &next, 1), LLAMASWIFT_OK);
        CHECK(memcmp(llamaswift_session_logits(r), llamaswift_session_logits(s), 49152 * sizeof(float)) == 0);
        /* Corrupt one byte of the cache part, then truncate: FORMAT, r unchanged. */
        state[got - 100] ^= 1;
        CHECK_STATUS(llamaswift_session_state_load(r, state, got), LLAMASWIFT_ERR_FORMAT);
        CHECK(strstr(llamaswift_last_error(), "checksum") != NULL);
        state[got - 100] ^= 1;
        CHECK_STATUS(llamaswift_session_state_load(r, state, got - 1), LLAMASWIFT_ERR_FORMAT);
        CHECK_STATUS(llamaswift_session_state_load(r, NULL, 5), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_session_state_load(NULL, state, got), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK(llamaswift_session_position(r) == 5);
        /* Files. */
        char path[64];
        snprintf(path, sizeof path, "/tmp/llamaswift-c-state-%ld.bin", (long)getpid());
        CHECK_STATUS(llamaswift_session_state_save_file(s, path), LLAMASWIFT_OK);
        CHECK_STATUS(llamaswift_session_rewind(r, 0), LLAMASWIFT_OK);
        CHECK_STATUS(llamaswift_session_state_load_file(r, path), LLAMASWIFT_OK);
        CHECK(llamaswift_session_position(r) == 5);
        CHECK(memcmp(llamaswift_session_logits(r), llamaswift_session_logits(s), 49152 * sizeof(float)) == 0);
        unlink(path);
        CHECK_STATUS(llamaswift_session_state_load_file(r, path), LLAMASWIFT_ERR_IO);
        CHECK_STATUS(llamaswift_session_state_save_file(s, "/nonexistent-dir/state.bin"), LLAMASWIFT_ERR_IO);
        CHECK_STATUS(llamaswift_session_state_save_file(s, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        free(state);
        llamaswift_session_free(r);
        CHECK_STATUS(llamaswift_session_rewind(s, 0), LLAMASWIFT_OK);
    }
    CHECK(llamaswift_session_position(s) == 0 && llamaswift_session_logits(s) == NULL);
    llamaswift_session_free(s);

    sp = llamaswift_session_default_params();
    sp.n_ctx = 2000000;
    s = (llamaswift_session *)0x1;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(s == NULL);
    sp = llamaswift_session_default_params();
    sp.kv_type = 7;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_ERR_INVALID_ARGUMENT);

    /* Sampler params */
    llamaswift_sampler_params p = llamaswift_sampler_default_params();
    llamaswift_sampler *smp = NULL;
    CHECK(p.temperature_order == LLAMASWIFT_TEMPERATURE_LAST);
    p.top_p = 0; /* llama.cpp's "top token only" */
    CHECK_STATUS(llamaswift_sampler_create(&p, &smp), LLAMASWIFT_OK);
    llamaswift_sampler_free(smp);
    smp = NULL;
    p = llamaswift_sampler_default_params();
    p.temperature_order = 7;
    CHECK_STATUS(llamaswift_sampler_create(&p, &smp), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "temperature_order") != NULL);
    p.struct_size = 48; /* a 0.1 caller: the field is not read, the default applies */
    CHECK_STATUS(llamaswift_sampler_create(&p, &smp), LLAMASWIFT_OK);
    llamaswift_sampler_free(smp);
    smp = NULL;
    p = llamaswift_sampler_default_params();
    p.temperature = 1e-30f; /* the greedy limit, no overflow */
    CHECK_STATUS(llamaswift_sampler_create(&p, &smp), LLAMASWIFT_OK);
    llamaswift_sampler_free(smp);
    smp = NULL;
    p = llamaswift_sampler_default_params();
    p.temperature = -1;
    CHECK_STATUS(llamaswift_sampler_create(&p, &smp), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    p = llamaswift_sampler_default_params();
    p.temperature = 0;
    CHECK_STATUS(llamaswift_sampler_create(&p, &smp), LLAMASWIFT_OK);

    /* Chat format: size then fill */
    llamaswift_chat_message msgs[2] = {{"system", "Be brief."}, {"user", "What is the capital of France?"}};
    CHECK_STATUS(llamaswift_chat_format(m, NULL, msgs, 2, true, NULL, 0, &len), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
    char *prompt = malloc(len + 1);
    CHECK_STATUS(llamaswift_chat_format(m, NULL, msgs, 2, true, prompt, len + 1, &len), LLAMASWIFT_OK);
    CHECK(strncmp(prompt, "<|im_start|>system\nBe brief.<|im_end|>\n", 38) == 0);
    CHECK_STATUS(llamaswift_chat_format(m, "no-such-template", msgs, 2, true, NULL, 0, &len), LLAMASWIFT_ERR_UNSUPPORTED);
    CHECK(strstr(llamaswift_last_error(), "chatml") != NULL);

    /* Generate: greedy answer, then a stop string, then the callback stopping. */
    s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, NULL, &s), LLAMASWIFT_OK);
    struct collect c = {{0}, 0, 0};
    llamaswift_generate_result r = {.struct_size = sizeof r};
    CHECK_STATUS(llamaswift_generate(s, smp, prompt, len, NULL, collect_piece, &c, &r), LLAMASWIFT_OK);
    printf("answer: %s\n", c.text);
    CHECK(strstr(c.text, "Paris") != NULL);
    CHECK(r.stop_reason == LLAMASWIFT_STOP_END_OF_GENERATION && r.n_generated > 0 && r.decode_tokens_per_second > 0);
    llamaswift_generate_params gp = llamaswift_generate_default_params();
    const char *stops[] = {"Paris"};
    gp.stop_strings = stops;
    gp.n_stop_strings = 1;
    struct collect c2 = {{0}, 0, 0};
    CHECK_STATUS(llamaswift_generate(s, smp, prompt, len, &gp, collect_piece, &c2, &r), LLAMASWIFT_OK);
    CHECK(r.stop_reason == LLAMASWIFT_STOP_STRING && strstr(c2.text, "Paris") == NULL);
    CHECK(r.n_prompt_evaluated < r.n_prompt_tokens); /* the cached prompt was reused */
    CHECK_STATUS(llamaswift_generate(s, smp, prompt, len, NULL, stop_now, NULL, &r), LLAMASWIFT_OK);
    CHECK(r.stop_reason == LLAMASWIFT_STOP_CALLBACK);
    CHECK_STATUS(llamaswift_generate(s, smp, NULL, 5, NULL, NULL, NULL, &r), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    free(prompt);

    /* A model freed before its session: the session keeps it alive. */
    llamaswift_model_free(m);
    CHECK_STATUS(llamaswift_session_decode(s, five, 2), LLAMASWIFT_OK);
    llamaswift_session_free(s);
    llamaswift_sampler_free(smp);
    return check_summary("test_session");
}
