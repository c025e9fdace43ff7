/* Issue 15 (hardening, round two), through the C interface: size_t lengths of 2^63 and
 * more, a cancelled logits_all decode keeping the previous logits, the logits pointer
 * surviving a state load, FIFOs and other non-regular files refused at once, and a
 * cancel applying to the call in progress or to nothing; tokenizing and chat formatting
 * under a memory limit (OUT_OF_MEMORY, never an abort) and their size limits.
 * Usage: test_hardening MODEL.gguf */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llamaswift.h"
#include "check.h"

#define HUGE_LEN (((size_t)1 << 63) + 12345)

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "test_hardening: timed out (a call blocked)\n";
    write(2, msg, sizeof msg - 1);
    _exit(1);
}

/* Cancels `session` again and again until told to stop: whatever the timing, a long
 * decode running meanwhile is cancelled at one of its checks. */
struct canceller {
    llamaswift_session *s;
    volatile int stop;
};

static void *cancel_loop(void *p) {
    struct canceller *c = p;
    while (!c->stop) {
        llamaswift_session_cancel(c->s);
        usleep(200);
    }
    return NULL;
}

static llamaswift_status decode_while_cancelling(llamaswift_session *s, const int32_t *toks, size_t n) {
    struct canceller c = {s, 0};
    pthread_t t;
    pthread_create(&t, NULL, cancel_loop, &c);
    usleep(2000);
    llamaswift_status st = llamaswift_session_decode(s, toks, n);
    c.stop = 1;
    pthread_join(t, NULL);
    return st;
}

static void sizes_past_2_63(llamaswift_model *m) {
    int32_t two[2] = {1, 2}, toks[64];
    char buf[64];
    size_t len = 0, n = 0;
    llamaswift_chat_message msg = {"user", "hi"};
    const size_t bad[] = {HUGE_LEN, SIZE_MAX, (size_t)1 << 63};
    for (int i = 0; i < 3; i++) {
        size_t b = bad[i];
        CHECK_STATUS(llamaswift_detokenize(m, two, b, buf, 64, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_detokenize(m, two, 2, buf, b, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_chat_format(m, NULL, &msg, b, true, buf, 64, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_chat_format(m, NULL, &msg, 1, true, buf, b, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_tokenize(m, "hi", b, 0, toks, 64, &n), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_tokenize(m, "hi", 2, 0, toks, b, &n), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_token_to_piece(m, 1, buf, b, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_model_meta_string(m, "general.architecture", buf, b, &len),
                     LLAMASWIFT_ERR_INVALID_ARGUMENT);
        llamaswift_model_params mp;
        llamaswift_session_params sp;
        llamaswift_sampler_params smp;
        llamaswift_generate_params gp;
        CHECK_STATUS(llamaswift_model_params_init(&mp, b), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_session_params_init(&sp, b), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_sampler_params_init(&smp, b), LLAMASWIFT_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(llamaswift_generate_params_init(&gp, b), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    }
    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 16;
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    llamaswift_sampler *smp = NULL;
    CHECK_STATUS(llamaswift_sampler_create(NULL, &smp), LLAMASWIFT_OK);
    unsigned char state[16];
    CHECK_STATUS(llamaswift_session_decode(s, two, HUGE_LEN), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_decode(s, two, SIZE_MAX), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_state_save(s, state, HUGE_LEN, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_state_load(s, state, HUGE_LEN), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_generate(s, smp, "hi", HUGE_LEN, NULL, NULL, NULL, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_generate_params gp = llamaswift_generate_default_params();
    const char *stops[1] = {"x"};
    gp.stop_strings = stops;
    gp.n_stop_strings = SIZE_MAX;
    CHECK_STATUS(llamaswift_generate(s, smp, "hi", 2, &gp, NULL, NULL, NULL), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(llamaswift_session_position(s) == 0);
    llamaswift_sampler_free(smp);
    llamaswift_session_free(s);
}

/* A cancelled decode on a logits_all session keeps the previous logits (values and
 * address); so does a plain session. */
static void cancelled_decode_keeps_logits(llamaswift_model *m, bool all) {
    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 256;
    sp.n_batch = 4;
    sp.logits_all = all;
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    int32_t toks[128];
    for (int i = 0; i < 128; i++) toks[i] = 100 + i;
    CHECK_STATUS(llamaswift_session_decode(s, toks, 2), LLAMASWIFT_OK);
    size_t floats = (all ? 2 : 1) * 49152;
    const float *before = llamaswift_session_logits(s);
    float *copy = malloc(floats * sizeof(float));
    memcpy(copy, before, floats * sizeof(float));
    CHECK_STATUS(decode_while_cancelling(s, toks, 128), LLAMASWIFT_ERR_CANCELLED);
    CHECK(llamaswift_session_position(s) == 2);
    CHECK(llamaswift_session_logits(s) == before);
    CHECK(memcmp(llamaswift_session_logits(s), copy, floats * sizeof(float)) == 0);
    /* And the session goes on: the same logits as a fresh session's. */
    CHECK_STATUS(llamaswift_session_decode(s, toks + 2, 3), LLAMASWIFT_OK);
    CHECK(llamaswift_session_position(s) == 5);
    free(copy);
    llamaswift_session_free(s);
}

/* The logits pointer of a logits_all session stays readable after a state load (the
 * header: valid until the next decode, rewind or free). A larger state than the
 * session's current logits used to free the buffer (unmapped: reading it crashed). */
static void state_load_keeps_logits_pointer(llamaswift_model *m) {
    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 64;
    sp.logits_all = true;
    llamaswift_session *s = NULL, *r = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_create(m, &sp, &r), LLAMASWIFT_OK);
    int32_t toks[40];
    for (int i = 0; i < 40; i++) toks[i] = 200 + i;
    CHECK_STATUS(llamaswift_session_decode(s, toks, 2), LLAMASWIFT_OK);
    const float *p = llamaswift_session_logits(s);
    float first = p[0], last = p[2 * 49152 - 1];
    CHECK_STATUS(llamaswift_session_decode(r, toks, 40), LLAMASWIFT_OK);
    size_t need = 0;
    CHECK_STATUS(llamaswift_session_state_save(r, NULL, 0, &need), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
    void *state = malloc(need);
    CHECK_STATUS(llamaswift_session_state_save(r, state, need, &need), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_state_load(s, state, need), LLAMASWIFT_OK);
    CHECK(p[0] == first && p[2 * 49152 - 1] == last); /* still readable, unchanged */
    CHECK(llamaswift_session_position(s) == 40);
    CHECK(memcmp(llamaswift_session_logits(s), llamaswift_session_logits(r), 40 * 49152 * sizeof(float)) == 0);
    free(state);
    llamaswift_session_free(r);
    llamaswift_session_free(s);
}

static void non_regular_files(llamaswift_model *m) {
    char dir[] = "/tmp/llamaswift-fifo-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    llamaswift_model *mm = (llamaswift_model *)(uintptr_t)1;
    alarm(20); /* the old code blocked forever in open() */
    CHECK_STATUS(llamaswift_model_load(fifo, NULL, &mm), LLAMASWIFT_ERR_IO);
    CHECK(mm == NULL && strstr(llamaswift_last_error(), "FIFO") != NULL);
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, NULL, &s), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_state_load_file(s, fifo), LLAMASWIFT_ERR_IO);
    const char *others[] = {"/dev/zero", "/dev/null", "/proc/self/status", "/tmp"};
    for (int i = 0; i < 4; i++) {
        CHECK_STATUS(llamaswift_model_load(others[i], NULL, &mm), LLAMASWIFT_ERR_IO);
        /* A directory is read as a Hugging Face checkpoint folder (0.5): /tmp has no config.json. */
        CHECK(strstr(llamaswift_last_error(), i == 3 ? "config.json" : "not a regular file") != NULL);
        CHECK_STATUS(llamaswift_session_state_load_file(s, others[i]), LLAMASWIFT_ERR_IO);
    }
    alarm(0);
    llamaswift_session_free(s);
    unlink(fifo);
    rmdir(dir);
}

/* A cancel applies to the call in progress or to nothing. */
static void cancel_semantics(llamaswift_model *m) {
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, NULL, &s), LLAMASWIFT_OK);
    int32_t toks[64];
    for (int i = 0; i < 64; i++) toks[i] = 300 + i;
    llamaswift_session_cancel(s);
    CHECK_STATUS(llamaswift_session_decode(s, toks, 1), LLAMASWIFT_OK); /* idle cancel: ignored */
    CHECK_STATUS(decode_while_cancelling(s, toks, 64), LLAMASWIFT_ERR_CANCELLED);
    CHECK(llamaswift_session_position(s) == 1);
    CHECK_STATUS(llamaswift_session_decode(s, toks, 2), LLAMASWIFT_OK); /* nothing left pending */
    CHECK(llamaswift_session_position(s) == 3);
    llamaswift_session_free(s);
}

/* The process's address space now (kB, VmSize), to set a limit above it. */
static long vm_size_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb;
}

/* Item 7: in a child whose address space may grow by `room_mb` only, tokenizing `len`
 * bytes of one letter (one word: the most memory per byte) or rendering `n` messages of
 * `msg_len` bytes must return `want` (or OK if the limit happens to suffice) — before
 * issue 15 the tokenizer took ~70 bytes per byte and aborted in a Swift allocation. */
static void under_memory_limit(llamaswift_model *m, long room_mb, size_t len, size_t n, size_t msg_len) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *text = malloc(len > msg_len ? len : msg_len + 1);
        if (!text) _exit(3);
        memset(text, 'a', len > msg_len ? len : msg_len);
        long kb = vm_size_kb();
        struct rlimit rl = { (rlim_t)(kb + room_mb * 1024) * 1024, (rlim_t)(kb + room_mb * 1024) * 1024 };
        if (kb < 0 || setrlimit(RLIMIT_AS, &rl) != 0) _exit(4);
        llamaswift_status st;
        size_t out = 0;
        if (n == 0) {
            st = llamaswift_tokenize(m, text, len, 0, NULL, 0, &out);
        } else {
            text[msg_len] = 0;
            llamaswift_chat_message *msgs = calloc(n, sizeof *msgs);
            if (!msgs) _exit(3);
            for (size_t i = 0; i < n; i++) msgs[i] = (llamaswift_chat_message){ "user", text };
            st = llamaswift_chat_format(m, "chatml", msgs, n, true, NULL, 0, &out);
        }
        _exit(st == LLAMASWIFT_ERR_OUT_OF_MEMORY ? 0 : (st == LLAMASWIFT_ERR_BUFFER_TOO_SMALL ? 1 : 10 + (int)st));
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
        fprintf(stderr, "  child: %s %d (len %zu, %zu messages of %zu, room %ld MB)\n",
                WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
                len, n, msg_len, room_mb);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
}

static void memory_limits(llamaswift_model *m) {
    /* 40 MB of one word with 600 MB to spare: OUT_OF_MEMORY (it needs ~2 GB). */
    under_memory_limit(m, 600, 40u << 20, 0, 0);
    /* 48 messages of 1 MB with 100 MB to spare: OUT_OF_MEMORY (rendering needs ~300 MB). */
    under_memory_limit(m, 100, 0, 48, 1u << 20);
    /* The size limits: a text over 64 MiB, messages over 64 MiB (4,000 x 1 MB). */
    size_t n = 0;
    CHECK_STATUS(llamaswift_tokenize(m, "", ((size_t)64 << 20) + 1, 0, NULL, 0, &n), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    char *big = malloc((1u << 20) + 1);
    CHECK(big != NULL);
    if (!big) return;
    memset(big, 'x', 1u << 20);
    big[1u << 20] = 0;
    llamaswift_chat_message *msgs = calloc(4000, sizeof *msgs);
    for (int i = 0; msgs && i < 4000; i++) msgs[i] = (llamaswift_chat_message){ "user", big };
    size_t len = 0;
    CHECK_STATUS(llamaswift_chat_format(m, "chatml", msgs, 4000, true, NULL, 0, &len), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(llamaswift_last_error(), "64") != NULL || strstr(llamaswift_last_error(), "67108864") != NULL);
    free(msgs);
    free(big);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.gguf\n", argv[0]);
        return 2;
    }
    signal(SIGALRM, on_alarm);
    llamaswift_model *m = NULL;
    CHECK_STATUS(llamaswift_model_load(argv[1], NULL, &m), LLAMASWIFT_OK);
    if (!m) return check_summary("test_hardening");
    sizes_past_2_63(m);
    cancelled_decode_keeps_logits(m, true);
    cancelled_decode_keeps_logits(m, false);
    state_load_keeps_logits_pointer(m);
    non_regular_files(m);
    cancel_semantics(m);
    memory_limits(m);
    llamaswift_model_free(m);
    return check_summary("test_hardening");
}
