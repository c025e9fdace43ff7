/* Grammars through the C API: a yes/no grammar constrains llamaswift_generate, a bad
 * grammar is INVALID_ARGUMENT naming line and column, NULL removes the grammar,
 * llamaswift_sampler_grammar_accept refuses a token the grammar does not allow, JSON
 * Schema → GBNF is size-then-fill, an unsupported keyword is UNSUPPORTED naming it.
 * Usage: test_grammar MODEL */
#include "check.h"

int main(int argc, char **argv) {
    llamaswift_model *model;
    llamaswift_session *session;
    llamaswift_sampler *sampler = NULL;
    const bool opened = open_model_session(argc, argv, 0, &model, &session);
    collected_text out = {.len = 0};
    llamaswift_sampler_params sp = llamaswift_sampler_default_params();
    sp.seed = 7;
    CHECK_STATUS(llamaswift_sampler_create(&sp, &sampler), LLAMASWIFT_OK);
    if (!opened || !sampler) return check_summary("test_grammar");

    /* A bad grammar: the message names the line and column; the sampler is unchanged. */
    const char *bad = "root ::= \"a\"\nb ::= c";
    CHECK_STATUS(llamaswift_sampler_set_grammar(sampler, model, bad, strlen(bad), NULL),
                 LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "line 2, column 7: undefined rule 'c'") != NULL);
    CHECK_STATUS(llamaswift_sampler_set_grammar(sampler, model, "x ::= \"a\"", 9, "nope"),
                 LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "no rule named 'nope'") != NULL);

    /* yes/no: the answer is exactly one of them, three times over different prompts. */
    const char *yn = "answer ::= \"yes\" | \"no\"";
    CHECK_STATUS(llamaswift_sampler_set_grammar(sampler, model, yn, strlen(yn), "answer"), LLAMASWIFT_OK);
    const char *prompts[] = {"Is the sun hot?", "Is ice hot?", "Can fish fly?"};
    for (int i = 0; i < 3; i++) {
        char prompt[256];
        snprintf(prompt, sizeof prompt, "<|im_start|>user\n%s<|im_end|>\n<|im_start|>assistant\n", prompts[i]);
        out.len = 0;
        llamaswift_generate_result r = {.struct_size = sizeof r};
        CHECK_STATUS(llamaswift_generate(session, sampler, prompt, strlen(prompt), NULL, collect_text, &out, &r),
                     LLAMASWIFT_OK);
        CHECK(strcmp(out.text, "yes") == 0 || strcmp(out.text, "no") == 0);
        CHECK(r.stop_reason == LLAMASWIFT_STOP_END_OF_GENERATION);
    }

    /* grammar_accept: "n" (token of "no"'s start) is fine, then "yes" is not. */
    int32_t toks[8];
    size_t n = 0;
    CHECK_STATUS(llamaswift_sampler_reset(sampler), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_tokenize(model, "yes", 3, 0, toks, 8, &n), LLAMASWIFT_OK);
    CHECK(n >= 1);
    CHECK_STATUS(llamaswift_sampler_grammar_accept(sampler, toks[0]), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_sampler_grammar_accept(sampler, toks[0]), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_sampler_grammar_accept(sampler, 1 << 30), LLAMASWIFT_ERR_INVALID_ARGUMENT);

    /* NULL removes the grammar; grammar_accept is then a no-op. */
    CHECK_STATUS(llamaswift_sampler_set_grammar(sampler, model, NULL, 0, NULL), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_sampler_grammar_accept(sampler, 5), LLAMASWIFT_OK); /* no grammar: no-op */

    /* JSON Schema → GBNF, size then fill. */
    const char *schema = "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}";
    size_t len = 0;
    CHECK_STATUS(llamaswift_json_schema_to_grammar(schema, strlen(schema), NULL, 0, &len),
                 LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
    CHECK(len > 20);
    char *g = malloc(len + 1);
    size_t len2 = 0;
    CHECK_STATUS(llamaswift_json_schema_to_grammar(schema, strlen(schema), g, len + 1, &len2), LLAMASWIFT_OK);
    CHECK(len2 == len && g[len] == 0 && strncmp(g, "root ::= ", 9) == 0);
    /* The grammar it gives is accepted, and the schema directly too. */
    CHECK_STATUS(llamaswift_sampler_set_grammar(sampler, model, g, len, NULL), LLAMASWIFT_OK);
    free(g);
    CHECK_STATUS(llamaswift_sampler_set_json_schema(sampler, model, schema, strlen(schema)), LLAMASWIFT_OK);
    out.len = 0;
    const char *p = "<|im_start|>user\nIs it ok? Answer in JSON.<|im_end|>\n<|im_start|>assistant\n";
    llamaswift_generate_params gp = llamaswift_generate_default_params();
    gp.max_tokens = 40;
    CHECK_STATUS(llamaswift_generate(session, sampler, p, strlen(p), &gp, collect_text, &out, NULL), LLAMASWIFT_OK);
    const char *json = out.text;
    if (!(strstr(json, "\"ok\"") && (strstr(json, "true") || strstr(json, "false")) && json[0] == '{'))
        fprintf(stderr, "output: [%s]\n", json);
    CHECK(strstr(json, "\"ok\"") != NULL && (strstr(json, "true") || strstr(json, "false")) && json[0] == '{');

    const char *unsupported = "{\"type\":\"array\",\"uniqueItems\":true}";
    CHECK_STATUS(llamaswift_json_schema_to_grammar(unsupported, strlen(unsupported), NULL, 0, &len),
                 LLAMASWIFT_ERR_UNSUPPORTED);
    CHECK(strstr(llamaswift_last_error(), "uniqueItems") != NULL);
    CHECK_STATUS(llamaswift_sampler_set_json_schema(sampler, model, "{", 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_sampler_set_json_schema(NULL, model, schema, strlen(schema)),
                 LLAMASWIFT_ERR_INVALID_ARGUMENT);

    llamaswift_sampler_free(sampler);
    llamaswift_session_free(session);
    llamaswift_model_free(model);
    return check_summary("test_grammar");
}
