/* Tiny assertion helpers shared by the C tests: count, print failures, and end with the
 * line "N passed, N failed" that CI reads; and the setup and text collection that several
 * tests share. */
#ifndef LLAMASWIFT_TEST_CHECK_H
#define LLAMASWIFT_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llamaswift.h"

static int check_passed, check_failed;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (cond) {                                                                       \
            check_passed++;                                                               \
        } else {                                                                          \
            check_failed++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, \
                    #cond, llamaswift_last_error());                                      \
        }                                                                                 \
    } while (0)

#define CHECK_STATUS(expr, want)                                                          \
    do {                                                                                  \
        llamaswift_status got_ = (expr);                                                  \
        if (got_ == (want)) {                                                             \
            check_passed++;                                                               \
        } else {                                                                          \
            check_failed++;                                                               \
            fprintf(stderr, "%s:%d: %s returned %d, want %d (last error: %s)\n", __FILE__,   \
                    __LINE__, #expr, (int)got_, (int)(want), llamaswift_last_error());    \
        }                                                                                 \
    } while (0)

static int check_summary(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

/* The setup of a test run as `test MODEL`: exits 2 with a usage line when MODEL is
 * missing, else loads it and creates a session of n_ctx tokens (0: the default), CHECKing
 * both. Returns whether both exist (the caller ends with check_summary when not); frees
 * nothing. */
static inline bool open_model_session(int argc, char **argv, uint32_t n_ctx, llamaswift_model **model,
                                      llamaswift_session **session) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL\n", argv[0]);
        exit(2);
    }
    *model = NULL;
    *session = NULL;
    CHECK_STATUS(llamaswift_model_load(argv[1], NULL, model), LLAMASWIFT_OK);
    llamaswift_session_params p = llamaswift_session_default_params();
    if (n_ctx > 0) p.n_ctx = n_ctx;
    if (*model) CHECK_STATUS(llamaswift_session_create(*model, &p, session), LLAMASWIFT_OK);
    return *model && *session;
}

/* The pieces a generate call streams, concatenated and NUL-terminated (at most 255 bytes;
 * the rest is dropped). collect_text is the llamaswift_piece_callback, `user` a
 * collected_text to fill (set its len to 0 before each call). */
typedef struct {
    char text[256];
    size_t len;
} collected_text;

static inline bool collect_text(const char *text, size_t len, void *user) {
    collected_text *c = user;
    if (c->len + len < sizeof c->text) {
        memcpy(c->text + c->len, text, len);
        c->len += len;
    }
    c->text[c->len] = 0;
    return true;
}
#endif
