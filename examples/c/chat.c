/* A multi-turn chat loop over libllamaswift: each line read from stdin is a user turn;
 * the whole conversation is re-formatted with the model's template every turn, and
 * llamaswift_generate reuses the session's cache for the part already evaluated.
 * usage: chat MODEL.gguf   (an empty line or end of input quits) */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <llamaswift.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TURNS 64

static bool append_piece(const char *text, size_t len, void *user) {
    char **answer = user;
    size_t old = *answer ? strlen(*answer) : 0;
    char *grown = realloc(*answer, old + len + 1);
    if (!grown) return false;
    memcpy(grown + old, text, len);
    grown[old + len] = '\0';
    *answer = grown;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return true;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.gguf\n", argv[0]);
        return 2;
    }
    int rc = 1;
    llamaswift_model *model = NULL;
    llamaswift_session *session = NULL;
    llamaswift_sampler *sampler = NULL;
    llamaswift_chat_message msgs[2 * MAX_TURNS];
    char *owned[2 * MAX_TURNS] = {0};
    size_t n = 0;
    char *prompt = NULL;
    char line[4096];

    llamaswift_sampler_params sp = llamaswift_sampler_default_params();
    sp.temperature = 0; /* greedy: reproducible answers (raise it for variety) */
    if (llamaswift_model_load(argv[1], NULL, &model) != LLAMASWIFT_OK ||
        llamaswift_session_create(model, NULL, &session) != LLAMASWIFT_OK ||
        llamaswift_sampler_create(&sp, &sampler) != LLAMASWIFT_OK) {
        fprintf(stderr, "error: %s\n", llamaswift_last_error());
        goto done;
    }
    while (n + 2 <= 2 * MAX_TURNS && fputs("> ", stderr) >= 0 && fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0') break;
        owned[n] = strdup(line);
        msgs[n] = (llamaswift_chat_message){"user", owned[n]};
        n++;
        size_t len = 0;
        llamaswift_chat_format(model, NULL, msgs, n, true, NULL, 0, &len); /* size */
        free(prompt);
        prompt = malloc(len + 1);
        if (!prompt || llamaswift_chat_format(model, NULL, msgs, n, true, prompt, len + 1, &len) != LLAMASWIFT_OK) {
            fprintf(stderr, "error: %s\n", llamaswift_last_error());
            goto done;
        }
        char *answer = NULL;
        llamaswift_generate_result res = {.struct_size = sizeof res};
        if (llamaswift_generate(session, sampler, prompt, len, NULL, append_piece, &answer, &res) != LLAMASWIFT_OK) {
            fprintf(stderr, "\nerror: %s\n", llamaswift_last_error());
            free(answer);
            goto done;
        }
        fprintf(stderr, "\n[%u new prompt tokens of %u, %u generated]\n", res.n_prompt_evaluated, res.n_prompt_tokens,
                res.n_generated);
        owned[n] = answer ? answer : strdup("");
        msgs[n] = (llamaswift_chat_message){"assistant", owned[n]};
        n++;
    }
    rc = 0;
done:
    for (size_t i = 0; i < n; i++) free(owned[i]);
    free(prompt);
    llamaswift_sampler_free(sampler);
    llamaswift_session_free(session);
    llamaswift_model_free(model);
    return rc;
}
