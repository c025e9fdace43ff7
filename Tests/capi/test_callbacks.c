/* C test of what an embedder hooks into (0.3): the log callback (silent by default, errors
 * and load/session messages delivered, NULL turns it off), the load-progress callback
 * (0 first, 1 last, increasing; returning false cancels with CANCELLED; ignored when an
 * older struct_size does not cover it), use_mlock (VmLck grows; without the right to
 * lock, OUT_OF_MEMORY naming RLIMIT_MEMLOCK), and the session's thread count changed
 * between calls (same logits; range and in-call errors). */
#define _GNU_SOURCE
#include "llamaswift.h"
#include "check.h"
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- log ---- */
struct logbook { int count[5]; char all[16384]; size_t len; };

static void collect_log(llamaswift_log_level level, const char *message, void *user) {
    struct logbook *b = user;
    if ((int)level >= 1 && (int)level <= 4) b->count[level]++;
    size_t n = strlen(message);
    if (b->len + n + 2 < sizeof b->all) {
        memcpy(b->all + b->len, message, n);
        b->len += n;
        b->all[b->len++] = '\n';
        b->all[b->len] = 0;
    }
}

/* ---- progress ---- */
struct progress { int calls; float first, last; int decreasing; float stop_at; };

static bool on_progress(float p, void *user) {
    struct progress *r = user;
    if (r->calls == 0) r->first = p;
    else if (p < r->last) r->decreasing = 1;
    r->last = p;
    r->calls++;
    return !(r->stop_at >= 0 && p >= r->stop_at);
}

static long vm_locked_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb;
}

/* In a child without CAP_IPC_LOCK and with RLIMIT_MEMLOCK at 64 KiB: a use_mlock load
 * must fail with OUT_OF_MEMORY naming RLIMIT_MEMLOCK. Exit 0 when it does. */
static int mlock_refused_child(const char *path) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) == 0) {
        d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
        d[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
        if (syscall(SYS_capset, &h, d) != 0) return 3;
    }
    struct rlimit lim = {64 << 10, 64 << 10};
    if (setrlimit(RLIMIT_MEMLOCK, &lim) != 0) return 4;
    llamaswift_model_params p = llamaswift_model_default_params();
    p.use_mlock = true;
    llamaswift_model *m = (llamaswift_model *)1;
    llamaswift_status st = llamaswift_model_load(path, &p, &m);
    if (st != LLAMASWIFT_ERR_OUT_OF_MEMORY) { fprintf(stderr, "mlock child: status %d\n", st); return 5; }
    if (m != NULL) return 6;
    if (!strstr(llamaswift_last_error(), "RLIMIT_MEMLOCK")) { fprintf(stderr, "mlock child: %s\n", llamaswift_last_error()); return 7; }
    return 0;
}

/* ---- threads ---- */
struct in_call { llamaswift_session *s; llamaswift_status st; int calls; };

static bool set_threads_in_callback(const char *t, size_t n, void *user) {
    (void)t; (void)n;
    struct in_call *c = user;
    if (c->calls++ == 0) c->st = llamaswift_session_set_threads(c->s, 1);
    return c->calls < 3;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *path = argv[1];

    /* Silent by default: nothing on stdout or stderr, for a success or a failure. */
    fflush(stdout);
    fflush(stderr);
    char tmpl[] = "/tmp/llamaswift-silentXXXXXX";
    int fd = mkstemp(tmpl);
    CHECK(fd >= 0);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    llamaswift_model *m = NULL;
    llamaswift_status st_missing = llamaswift_model_load("/nonexistent/model.gguf", NULL, &m);
    llamaswift_status st_ok = llamaswift_model_load(path, NULL, &m);
    llamaswift_model_free(m);
    m = NULL;
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    CHECK(st_missing == LLAMASWIFT_ERR_IO && st_ok == LLAMASWIFT_OK);
    CHECK(lseek(fd, 0, SEEK_END) == 0);
    close(fd);
    unlink(tmpl);

    /* The log callback. */
    static struct logbook book;
    llamaswift_log_set(collect_log, &book);
    CHECK_STATUS(llamaswift_model_load("/nonexistent/model.gguf", NULL, &m), LLAMASWIFT_ERR_IO);
    CHECK(book.count[LLAMASWIFT_LOG_ERROR] == 1 && strstr(book.all, "LLAMASWIFT_ERR_IO") && strstr(book.all, "/nonexistent/model.gguf"));
    CHECK_STATUS(llamaswift_model_load(path, NULL, &m), LLAMASWIFT_OK);
    CHECK(book.count[LLAMASWIFT_LOG_INFO] >= 1 && strstr(book.all, "loaded '") && strstr(book.all, "kernels"));
    size_t need = 0;
    int before = book.count[LLAMASWIFT_LOG_ERROR];
    CHECK_STATUS(llamaswift_tokenize(m, "Hello world", 11, 0, NULL, 0, &need), LLAMASWIFT_ERR_BUFFER_TOO_SMALL);
    CHECK(book.count[LLAMASWIFT_LOG_ERROR] == before); /* a size query is not an error to log */
    llamaswift_session_params sp = llamaswift_session_default_params();
    sp.n_ctx = 256;
    sp.n_threads = 512; /* more than this machine's CPUs: capped, with a warning */
    llamaswift_session *s = NULL;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    CHECK(book.count[LLAMASWIFT_LOG_WARNING] == 1 && strstr(book.all, "capped"));
    CHECK(strstr(book.all, "session: n_ctx 256") != NULL);
    llamaswift_session_free(s);
    s = NULL;
    llamaswift_log_set(NULL, NULL);
    int total = book.count[1] + book.count[2] + book.count[3] + book.count[4];
    CHECK_STATUS(llamaswift_model_load("/nonexistent/model.gguf", NULL, &m), LLAMASWIFT_ERR_IO);
    CHECK(book.count[1] + book.count[2] + book.count[3] + book.count[4] == total);
    llamaswift_model_free(m);
    m = NULL;

    /* Load progress: 0 first, 1 last, never decreasing. */
    struct progress pr = {0, -1, -1, 0, -1};
    llamaswift_model_params mp = llamaswift_model_default_params();
    CHECK(mp.progress_callback == NULL && mp.progress_callback_user_data == NULL && !mp.use_mlock);
    mp.progress_callback = on_progress;
    mp.progress_callback_user_data = &pr;
    CHECK_STATUS(llamaswift_model_load(path, &mp, &m), LLAMASWIFT_OK);
    CHECK(m != NULL && pr.calls >= 3 && pr.first == 0.0f && pr.last == 1.0f && !pr.decreasing);
    llamaswift_model_free(m);
    m = NULL;
    /* Cancelled at once, and half-way. */
    for (int i = 0; i < 2; i++) {
        struct progress c = {0, -1, -1, 0, i == 0 ? 0.0f : 0.3f};
        mp.progress_callback_user_data = &c;
        m = (llamaswift_model *)1;
        CHECK_STATUS(llamaswift_model_load(path, &mp, &m), LLAMASWIFT_ERR_CANCELLED);
        CHECK(m == NULL && c.last < 1.0f && strstr(llamaswift_last_error(), "progress callback"));
        CHECK(i == 0 ? c.calls == 1 : (c.calls >= 2 && c.last >= 0.3f));
    }
    /* A caller of 0.2 (struct_size 8) or a struct_size cut inside the pointer: no callback. */
    struct progress old = {0, -1, -1, 0, 0.0f};
    mp.progress_callback_user_data = &old;
    mp.struct_size = 8;
    CHECK_STATUS(llamaswift_model_load(path, &mp, &m), LLAMASWIFT_OK);
    llamaswift_model_free(m);
    mp.struct_size = 12;
    CHECK_STATUS(llamaswift_model_load(path, &mp, &m), LLAMASWIFT_OK);
    llamaswift_model_free(m);
    m = NULL;
    CHECK(old.calls == 0);

    /* use_mlock: the weights are locked while the model lives. */
    long locked0 = vm_locked_kb();
    llamaswift_model_params lp = llamaswift_model_default_params();
    lp.use_mlock = true;
    CHECK_STATUS(llamaswift_model_load(path, &lp, &m), LLAMASWIFT_OK);
    long locked1 = vm_locked_kb();
    CHECK(locked0 >= 0 && locked1 - locked0 > 50 * 1024); /* SmolLM2 Q4_1: ~90 MB of weights */
    llamaswift_model_free(m);
    m = NULL;
    CHECK(vm_locked_kb() <= locked0 + 64);
    /* Without the right to lock: OUT_OF_MEMORY (in a child, which drops CAP_IPC_LOCK). */
    pid_t pid = fork();
    if (pid == 0) _exit(mlock_refused_child(path));
    int wst = 0;
    waitpid(pid, &wst, 0);
    CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    if (!(WIFEXITED(wst) && WEXITSTATUS(wst) == 0)) fprintf(stderr, "mlock child exit status %d\n", WEXITSTATUS(wst));

    /* Threads changed between calls: same logits. */
    CHECK_STATUS(llamaswift_model_load(path, NULL, &m), LLAMASWIFT_OK);
    sp = llamaswift_session_default_params();
    sp.n_ctx = 128;
    sp.n_threads = 1;
    CHECK_STATUS(llamaswift_session_create(m, &sp, &s), LLAMASWIFT_OK);
    CHECK(llamaswift_session_get_threads(s) == 1);
    int32_t toks[32];
    size_t n = 0;
    const char *text = "The quick brown fox jumps over the lazy dog";
    CHECK_STATUS(llamaswift_tokenize(m, text, strlen(text), 0, toks, 32, &n), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_decode(s, toks, n), LLAMASWIFT_OK);
    static float one[49152];
    memcpy(one, llamaswift_session_logits(s), sizeof one);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK_STATUS(llamaswift_session_set_threads(s, 2), LLAMASWIFT_OK);
    CHECK(llamaswift_session_get_threads(s) == (cpus >= 2 ? 2u : 1u));
    CHECK_STATUS(llamaswift_session_rewind(s, 0), LLAMASWIFT_OK);
    CHECK_STATUS(llamaswift_session_decode(s, toks, n), LLAMASWIFT_OK);
    CHECK(memcmp(one, llamaswift_session_logits(s), sizeof one) == 0);
    CHECK_STATUS(llamaswift_session_set_threads(s, 0), LLAMASWIFT_OK);
    CHECK(llamaswift_session_get_threads(s) >= 1);
    CHECK_STATUS(llamaswift_session_set_threads(s, 513), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_set_threads(NULL, 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llamaswift_session_set_threads((llamaswift_session *)m, 1), LLAMASWIFT_ERR_INVALID_ARGUMENT);
    CHECK(llamaswift_session_get_threads(NULL) == 0);
    /* From inside a generate's callback on the same session: refused, generation goes on. */
    llamaswift_sampler *smp = NULL;
    CHECK_STATUS(llamaswift_sampler_create(NULL, &smp), LLAMASWIFT_OK);
    struct in_call ic = {s, LLAMASWIFT_OK, 0};
    CHECK_STATUS(llamaswift_generate(s, smp, "Hello", 5, NULL, set_threads_in_callback, &ic, NULL), LLAMASWIFT_OK);
    CHECK(ic.calls >= 1 && ic.st == LLAMASWIFT_ERR_INVALID_ARGUMENT);
    llamaswift_sampler_free(smp);
    llamaswift_session_free(s);
    llamaswift_model_free(m);
    return check_summary("test_callbacks");
}
