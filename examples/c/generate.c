/* Minimal generation with libllamaswift: load a model, format a one-turn chat with the
 * model's template, stream the answer. usage: generate MODEL.gguf "question" */
#include <llamaswift.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                                  \
    do {                                                                             \
        llamaswift_status st_ = (call);                                              \
        if (st_ != LLAMASWIFT_OK) {                                                  \
            fprintf(stderr, "%s: %s\n", #call, llamaswift_last_error());             \
            goto done;                                                               \
        }                                                                            \
    } while (0)

static bool print_piece(const char *text, size_t len, void *user) {
    (void)user;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return true;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.gguf QUESTION\n", argv[0]);
        return 2;
    }
    int rc = 1;
    llamaswift_model *model = NULL;
    llamaswift_session *session = NULL;
    llamaswift_sampler *sampler = NULL;
    char *prompt = NULL;
    size_t len = 0;

    CHECK(llamaswift_model_load(argv[1], NULL, &model));
    llamaswift_chat_message msg = {"user", argv[2]};
    if (llamaswift_chat_format(model, NULL, &msg, 1, true, NULL, 0, &len) != LLAMASWIFT_ERR_BUFFER_TOO_SMALL) goto done;
    prompt = malloc(len + 1);
    CHECK(llamaswift_chat_format(model, NULL, &msg, 1, true, prompt, len + 1, &len));

    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 1024;
    CHECK(llamaswift_session_create(model, &sp, &session));
    llamaswift_sampler_params smp = llamaswift_sampler_default_params();
    smp.temperature = 0; /* greedy: the same answer every run */
    CHECK(llamaswift_sampler_create(&smp, &sampler));

    llamaswift_generate_params gp = llamaswift_generate_default_params();
    gp.max_tokens = 128;
    llamaswift_generate_result res = {.struct_size = sizeof res};
    CHECK(llamaswift_generate(session, sampler, prompt, len, &gp, print_piece, NULL, &res));
    fprintf(stderr, "\n%u prompt tokens, %u generated, %.1f tokens/s\n", res.n_prompt_tokens, res.n_generated,
            res.decode_tokens_per_second);
    rc = 0;
done:
    free(prompt);
    llamaswift_sampler_free(sampler);
    llamaswift_session_free(session);
    llamaswift_model_free(model);
    return rc;
}
