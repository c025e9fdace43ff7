/* The libffi harness: dlopen()s libllamaswift.so and calls every function the header
 * declares through ffi_call with hostile arguments — NULL handles, handles that are not
 * handles, NULL out-pointers, zero capacities, huge lengths — then checks that each
 * status-returning call reports a failure with a message, and that the process lives.
 *
 * The table below lists every declared function with its C signature; `--list` prints
 * the names so the test script can check the table against the header. */
#include <dlfcn.h>
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum arg { A_MODEL, A_SESSION, A_SAMPLER, A_PTR, A_STR, A_SIZE, A_I32, A_U32, A_F32, A_BOOL, A_FN, A_STATUS };
enum ret { R_STATUS, R_PTR, R_VOID, R_I32, R_U32, R_BOOL };

struct fn {
    const char *name;
    enum ret ret;
    int nargs;
    enum arg args[10];
};

static const struct fn table[] = {
    {"llamaswift_version", R_PTR, 0, {0}},
    {"llamaswift_status_string", R_PTR, 1, {A_STATUS}},
    {"llamaswift_last_error", R_PTR, 0, {0}},
    {"llamaswift_log_set", R_VOID, 2, {A_FN, A_PTR}},
    {"llamaswift_model_params_init", R_STATUS, 2, {A_PTR, A_SIZE}},
    {"llamaswift_model_load", R_STATUS, 3, {A_STR, A_PTR, A_PTR}},
    {"llamaswift_model_free", R_VOID, 1, {A_MODEL}},
    {"llamaswift_model_get_info", R_STATUS, 2, {A_MODEL, A_PTR}},
    {"llamaswift_model_meta_string", R_STATUS, 5, {A_MODEL, A_STR, A_PTR, A_SIZE, A_PTR}},
#include "ffi_harness_more.inc"
};

static int passed, failed;
static const char *(*last_error)(void);

/* Argument "worlds": how each kind of argument is filled in one round. */
enum world { W_ZERO, W_FAKE_HANDLES_HUGE, W_REAL_HANDLES_NULL_PTRS, W_REAL_HANDLES_SCRATCH };
static const char *world_name[] = {"all zero/NULL", "fake handles, huge sizes", "real handles, NULL pointers",
                                   "real handles, zeroed buffers"};

static _Alignas(64) unsigned char fake_handle[4096];  /* zeroed: a pointer that is not a handle */
static _Alignas(64) unsigned char scratch[1 << 16];
static void *real_model, *real_session, *real_sampler;

static ffi_type *ffi_of(enum arg a) {
    switch (a) {
    case A_SIZE: return &ffi_type_uint64;
    case A_I32: return &ffi_type_sint32;
    case A_U32: case A_STATUS: return &ffi_type_uint32;
    case A_F32: return &ffi_type_float;
    case A_BOOL: return &ffi_type_uint8;
    default: return &ffi_type_pointer;
    }
}

static void call(void *lib, const struct fn *f, enum world w) {
    void *sym = dlsym(lib, f->name);
    if (!sym) {
        fprintf(stderr, "%s: not exported\n", f->name);
        failed++;
        return;
    }
    ffi_cif cif;
    ffi_type *types[10];
    union { void *p; uint64_t u64; int32_t i32; uint32_t u32; float f; uint8_t b; } vals[10];
    void *ptrs[10];
    for (int i = 0; i < f->nargs; i++) {
        types[i] = ffi_of(f->args[i]);
        memset(&vals[i], 0, sizeof vals[i]);
        void *handle = NULL;
        switch (f->args[i]) {
        case A_MODEL: handle = real_model; break;
        case A_SESSION: handle = real_session; break;
        case A_SAMPLER: handle = real_sampler; break;
        default: break;
        }
        switch (f->args[i]) {
        case A_MODEL: case A_SESSION: case A_SAMPLER:
            vals[i].p = w == W_ZERO ? NULL : w == W_FAKE_HANDLES_HUGE ? (void *)fake_handle : handle;
            break;
        case A_PTR: case A_STR: case A_FN:
            vals[i].p = w == W_REAL_HANDLES_SCRATCH ? (void *)scratch : NULL;
            break;
        case A_SIZE: vals[i].u64 = w == W_FAKE_HANDLES_HUGE || w == W_REAL_HANDLES_NULL_PTRS ? SIZE_MAX : 0; break;
        case A_I32: vals[i].i32 = w == W_FAKE_HANDLES_HUGE ? INT32_MIN : w == W_REAL_HANDLES_NULL_PTRS ? INT32_MAX : -1; break;
        case A_U32: vals[i].u32 = w == W_ZERO ? 0 : UINT32_MAX; break;
        case A_STATUS: vals[i].u32 = w == W_ZERO ? 0 : 12345; break;
        case A_F32: vals[i].f = w == W_ZERO ? 0.0f : -1e30f; break;
        case A_BOOL: vals[i].b = w != W_ZERO; break;
        }
        ptrs[i] = &vals[i];
    }
    ffi_type *rtype = f->ret == R_VOID ? &ffi_type_void
                      : f->ret == R_PTR ? &ffi_type_pointer
                      : f->ret == R_BOOL ? &ffi_type_uint8
                      : f->ret == R_I32 ? &ffi_type_sint32 : &ffi_type_uint32;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, (unsigned)f->nargs, rtype, types) != FFI_OK) {
        fprintf(stderr, "%s: ffi_prep_cif failed\n", f->name);
        failed++;
        return;
    }
    memset(scratch, 0, sizeof scratch);
    ffi_arg rv = 0;
    ffi_call(&cif, FFI_FN(sym), &rv, ptrs);
    /* Reaching this line is the first check: the process lives. */
    if (f->ret == R_STATUS) {
        uint32_t st = (uint32_t)rv;
        const char *msg = last_error();
        int must_fail = w == W_ZERO || w == W_FAKE_HANDLES_HUGE || w == W_REAL_HANDLES_NULL_PTRS;
        int ok = msg != NULL && (st == 0 ? msg[0] == '\0' : msg[0] != '\0');
        if (must_fail && st == 0) ok = 0;
        if (!ok) {
            fprintf(stderr, "%s [%s]: status %u, message '%s'\n", f->name, world_name[w], st, msg ? msg : "(null)");
            failed++;
        } else {
            passed++;
        }
    } else if (f->ret == R_PTR && (f->args[0] != A_SESSION)) {
        /* version, status_string, last_error never return NULL. */
        if ((void *)rv == NULL && strncmp(f->name, "llamaswift_session", 18) != 0) {
            fprintf(stderr, "%s [%s]: returned NULL\n", f->name, world_name[w]);
            failed++;
        } else {
            passed++;
        }
    } else {
        passed++;
    }
}

int main(int argc, char **argv) {
    size_t n = sizeof table / sizeof table[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) puts(table[i].name);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: %s LIB.so MODEL.gguf | --list\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    last_error = (const char *(*)(void))dlsym(lib, "llamaswift_last_error");
    int (*load)(const char *, const void *, void **) = (int (*)(const char *, const void *, void **))dlsym(lib, "llamaswift_model_load");
    if (!last_error || !load || load(argv[2], NULL, &real_model) != 0) {
        fprintf(stderr, "cannot load the model through the library\n");
        return 2;
    }
    void *(*more_setup)(void *, void **, void **) = NULL;
    (void)more_setup;
#ifdef HARNESS_HAS_SESSIONS
    harness_setup_sessions(lib);
#endif
    for (int w = W_ZERO; w <= W_REAL_HANDLES_SCRATCH; w++) {
        for (size_t i = 0; i < n; i++) {
            /* Frees are called with real handles only in the zero/fake worlds. */
            if (strstr(table[i].name, "_free") && (w == W_REAL_HANDLES_NULL_PTRS || w == W_REAL_HANDLES_SCRATCH)) continue;
            /* A scratch "callback" is data, not code: the library would call it when it logs. */
            if (strcmp(table[i].name, "llamaswift_log_set") == 0 && w == W_REAL_HANDLES_SCRATCH) continue;
            call(lib, &table[i], (enum world)w);
        }
    }
    printf("ffi_harness: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
