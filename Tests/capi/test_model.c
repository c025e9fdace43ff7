/* C test of the model part of the contract, compiled against the header as installed
 * and linked with -lllamaswift: load the real model, read its info and metadata, and
 * check the error paths (status, message, out-pointers). */
#include "llamaswift.h"
#include "check.h"
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.gguf VOCAB.gguf\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];

    CHECK(strcmp(llamaswift_version(), LLAMASWIFT_VERSION_STRING) == 0);
    CHECK(strstr(llamaswift_status_string(LLAMASWIFT_ERR_IO), "IO") != NULL);
    CHECK(strcmp(llamaswift_status_string((llamaswift_status)999), "unknown status") == 0);

    llamaswift_model_params mp = llamaswift_model_default_params();
    CHECK(mp.struct_size == sizeof mp);
    CHECK(!mp.vocab_only);

    llamaswift_model *m = (llamaswift_model *)0x1;
    CHECK_STATUS(llamaswift_model_load(path, &mp, &m), LLAMASWIFT_OK);
    CHECK(m != NULL);
    CHECK(strcmp(llamaswift_last_error(), "") == 0);

    llamaswift_model_info info = {0};
    info.struct_size = sizeof info;
    CHECK_STATUS(llamaswift_model_get_info(m, &info), LLAMASWIFT_OK);
    printf("n_vocab=%u n_ctx_train=%u n_embd=%u n_layer=%u n_head=%u n_head_kv=%u n_ff=%u rope_base=%g\n",
           info.n_vocab, info.n_ctx_train, info.n_embd, info.n_layer, info.n_head, info.n_head_kv, info.n_ff,
           info.rope_freq_base);
    CHECK(info.n_vocab == 49152);
    CHECK(info.n_layer == 30);
    CHECK(info.n_embd == 576);
    CHECK(info.n_head == 9);
    CHECK(info.n_head_kv == 3);
    CHECK(info.n_ff == 1536);
    CHECK(info.n_ctx_train == 8192);
    CHECK(info.rope_freq_base == 100000.0f);
    CHECK(info.rope_scaling_type == LLAMASWIFT_ROPE_SCALING_NONE);
    CHECK(!info.vocab_only);
    CHECK(info.size_bytes > 90000000 && info.size_bytes < 98362432);

    /* An older caller's smaller struct: only its bytes are written. */
    unsigned char small[12];
    memset(small, 0xAB, sizeof small);
    uint32_t eight = 8;
    memcpy(small, &eight, 4);
    CHECK_STATUS(llamaswift_model_get_info(m, (llamaswift_model_info *)small), LLAMASWIFT_OK);
    CHECK(small[8] == 0xAB && small[11] == 0xAB);

    /* Metadata: size, then fill. */
    size_t len = 0;
    CHECK_STATUS(llamaswift_model_meta_string(m, "general.architecture", NULL, 0, &len), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 5);
    char *buf = malloc(len + 1);
    CHECK_STATUS(llamaswift_model_meta_string(m, "general.architecture", buf, len + 1, &len), LLAMASWIFT_OK);
    CHECK(strcmp(buf, "llama") == 0);
    free(buf);
    char big[256];
    CHECK_STATUS(llamaswift_model_meta_string(m, "llama.block_count", big, sizeof big, &len), LLAMASWIFT_OK);
    CHECK(strcmp(big, "30") == 0);
    CHECK_STATUS(llamaswift_model_meta_string(m, "no.such.key", big, sizeof big, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "no.such.key") != NULL);

    /* Error paths: NULLs, missing file, not GGUF, wrong handle kind. */
    llamaswift_model *bad = (llamaswift_model *)0x1;
    CHECK_STATUS(llamaswift_model_load(NULL, NULL, &bad), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(bad == NULL);
    CHECK_STATUS(llamaswift_model_load(path, NULL, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    bad = (llamaswift_model *)0x1;
    CHECK_STATUS(llamaswift_model_load("/nonexistent/model.gguf", NULL, &bad), LLAMASWIFT_ERR_IO);
    CHECK(bad == NULL);
    CHECK(strstr(llamaswift_last_error(), "/nonexistent/model.gguf") != NULL);
    CHECK(strstr(llamaswift_last_error(), "No such file") != NULL);
    CHECK_STATUS(llamaswift_model_load("/etc/passwd", NULL, &bad), LLAMASWIFT_ERR_FORMAT);
    CHECK_STATUS(llamaswift_model_load("/tmp", NULL, &bad), LLAMASWIFT_ERR_IO);
    CHECK_STATUS(llamaswift_model_get_info(NULL, &info), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_model_get_info(m, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    info.struct_size = 0;
    CHECK_STATUS(llamaswift_model_get_info(m, &info), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_model_params_init(NULL, sizeof mp), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_model_params_init(&mp, 2), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    mp.struct_size = 0;
    CHECK_STATUS(llamaswift_model_load(path, &mp, &bad), LLAMASWIFT_ERR_INVALID_ARGUMENT);

    /* A vocabulary-only file: not loadable as a model (no weights, not llama), loadable
     * with vocab_only. */
    CHECK_STATUS(llamaswift_model_load(argv[2], NULL, &bad), LLAMASWIFT_ERR_UNSUPPORTED);
    mp = llamaswift_model_default_params();
    mp.vocab_only = true;
    llamaswift_model *v = NULL;
    CHECK_STATUS(llamaswift_model_load(argv[2], &mp, &v), LLAMASWIFT_OK);
    info.struct_size = sizeof info;
    CHECK_STATUS(llamaswift_model_get_info(v, &info), LLAMASWIFT_OK);
    CHECK(info.vocab_only && info.n_vocab > 1000);
    llamaswift_model_free(v);

    /* 0.5: a Hugging Face checkpoint folder (a directory path), its matrices used in place
     * or quantized at load (weight_type; read only when struct_size reaches it). */
    if (argc > 3) {
        llamaswift_model *hf = NULL;
        CHECK_STATUS(llamaswift_model_load(argv[3], NULL, &hf), LLAMASWIFT_OK);
        info.struct_size = sizeof info;
        CHECK_STATUS(llamaswift_model_get_info(hf, &info), LLAMASWIFT_OK);
        CHECK(info.n_vocab == 259 && info.n_layer == 2 && info.n_head_kv == 2);
        llamaswift_model_free(hf);
        mp = llamaswift_model_default_params();
        CHECK(mp.weight_type == LLAMASWIFT_WEIGHT_TYPE_AS_STORED);
        mp.weight_type = LLAMASWIFT_WEIGHT_TYPE_Q4_0;
        CHECK_STATUS(llamaswift_model_load(argv[3], &mp, &hf), LLAMASWIFT_OK);
        llamaswift_model_free(hf);
        mp.weight_type = 99;
        hf = (llamaswift_model *)(uintptr_t)1;
        CHECK_STATUS(llamaswift_model_load(argv[3], &mp, &hf), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK(hf == NULL && strstr(llamaswift_last_error(), "weight_type 99") != NULL);
        mp.struct_size = 32; /* a 0.4 caller: the field is not read */
        CHECK_STATUS(llamaswift_model_load(argv[3], &mp, &hf), LLAMASWIFT_OK);
        llamaswift_model_free(hf);
    }

    llamaswift_model_free(m);
    llamaswift_model_free(NULL);
    return check_summary("test_model");
}
