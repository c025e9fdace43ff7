/* Tiny assertion helpers shared by the C tests: count, print failures, and end with the
 * line "N passed, N failed" that CI reads. */
#ifndef LLAMASWIFT_TEST_CHECK_H
#define LLAMASWIFT_TEST_CHECK_H
#include <stdio.h>
#include <string.h>

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
#endif
