/* Writes every position's logits of a fixed token sequence for each model named on the
   command line, as raw floats to stdout: scripts/compare-logits.sh compares two builds. */
#include <llamaswift.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        llamaswift_model *m = NULL;
        llamaswift_status st = llamaswift_model_load(argv[a], NULL, &m);
        if (st == LLAMASWIFT_ERR_UNSUPPORTED) {  /* a type or family this build refuses: skipped */
            fprintf(stderr, "skipped %s: %s\n", argv[a], llamaswift_last_error());
            continue;
        }
        if (st != LLAMASWIFT_OK) { fprintf(stderr, "%s: %s\n", argv[a], llamaswift_last_error()); return 1; }
        llamaswift_model_info info = { .struct_size = sizeof info };
        llamaswift_model_get_info(m, &info);
        for (int batch = 0; batch < 2; batch++) {
            llamaswift_session_params p = llamaswift_session_default_params();
            p.n_ctx = 128; if (getenv("KV")) p.kv_type = (uint32_t)atoi(getenv("KV")); p.logits_all = true; p.n_threads = 2; p.n_batch = batch ? 7 : 0;
            llamaswift_session *s = NULL;
            if (llamaswift_session_create(m, &p, &s) != LLAMASWIFT_OK) { fprintf(stderr, "%s\n", llamaswift_last_error()); return 1; }
            int32_t toks[40];
            for (int i = 0; i < 40; i++) toks[i] = (int32_t)((i * 7919 + 13) % info.n_vocab);
            if (llamaswift_session_decode(s, toks, 30) != LLAMASWIFT_OK) { fprintf(stderr, "%s\n", llamaswift_last_error()); return 1; }
            fwrite(llamaswift_session_logits(s), sizeof(float), (size_t)30 * info.n_vocab, stdout);
            for (int i = 30; i < 40; i++) {  /* then one token at a time */
                if (llamaswift_session_decode(s, toks + i, 1) != LLAMASWIFT_OK) { fprintf(stderr, "%s\n", llamaswift_last_error()); return 1; }
                fwrite(llamaswift_session_logits(s), sizeof(float), info.n_vocab, stdout);
            }
            llamaswift_session_free(s);
        }
        llamaswift_model_free(m);
    }
    return 0;
}
