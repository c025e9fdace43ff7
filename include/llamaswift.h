/*
 * llamaswift.h — the C interface of libllamaswift, a LLaMA-family inference engine.
 *
 * INTRODUCTION
 *
 * libllamaswift loads a GGUF model file (the format of llama.cpp, Ollama, LM Studio),
 * tokenizes text exactly as llama.cpp does, runs the LLaMA 2 decoder on the CPU and
 * samples tokens. The engine is written in Swift; this header is its whole contract.
 *
 * Three opaque handles carry all state:
 *   llamaswift_model    the mapped file, configuration, vocabulary, weights.
 *                       Immutable after load: share it across threads and sessions.
 *   llamaswift_session  a KV cache, its position, logits and scratch buffers.
 *                       One thread at a time; any number of sessions per model.
 *   llamaswift_sampler  sampling parameters, random state, penalty window.
 *                       One thread at a time.
 *
 * ERRORS. Every fallible function returns a llamaswift_status (LLAMASWIFT_OK = 0) and
 * writes its results through out-pointers. On failure an out-pointer handle is set to
 * NULL and a human-readable message is available from llamaswift_last_error() on the
 * same thread. Every status-returning call sets that message: the reason on failure,
 * "" on success. Functions that return no status leave it alone.
 *
 * NEVER CRASH. Nothing a caller passes — a bad path, a corrupt or hostile file, a NULL
 * pointer, an out-of-range token id, a full context, invalid UTF-8 — aborts or traps
 * inside the library: it is reported as a status. What no library can detect is not
 * covered: a dangling or freed handle (handles carry a tag that catches many such
 * uses, not all), or a length larger than the caller's real buffer.
 *
 * BUFFERS. Functions that fill a caller's buffer take its capacity `cap`. When `cap` is
 * too small they return LLAMASWIFT_ERR_BUFFER_TOO_SMALL, write nothing useful to the
 * buffer, and store the size needed in *len (or *n): call once to size, again to fill.
 * Text outputs are NUL-terminated when there is room; the size reported excludes the NUL.
 *
 * PARAMETER STRUCTS are ABI-stable: each begins with `uint32_t struct_size` and fields
 * are only ever appended. Fill one with llamaswift_X_default_params() (a static inline
 * wrapper that passes your own sizeof), change what you need, pass it by pointer. The
 * library reads only the first struct_size bytes and uses defaults for the rest, so a
 * program built against an older header keeps working. A NULL params pointer means the
 * defaults. Output structs that may grow (llamaswift_model_info,
 * llamaswift_generate_result) also begin with struct_size, set by the caller.
 *
 * THREADS. The model handle may be used from any number of threads at once. A session
 * or sampler must not be used by two threads at once (the caller's duty); doing so is
 * undefined, except llamaswift_session_cancel, which is safe from any thread.
 * llamaswift_last_error() is per thread.
 *
 * Symbols: only llamaswift_* names are exported. Status values and names below are
 * stable; new values are only appended.
 */
#ifndef LLAMASWIFT_H
#define LLAMASWIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------- */
/* Version                                                                              */
/* ---------------------------------------------------------------------------------- */

#define LLAMASWIFT_VERSION_MAJOR 0
#define LLAMASWIFT_VERSION_MINOR 1
#define LLAMASWIFT_VERSION_PATCH 0
#define LLAMASWIFT_VERSION_STRING "0.1.0"
#define LLAMASWIFT_VERSION_NUMBER \
    (LLAMASWIFT_VERSION_MAJOR * 10000 + LLAMASWIFT_VERSION_MINOR * 100 + LLAMASWIFT_VERSION_PATCH)

/* The library's version as "MAJOR.MINOR.PATCH"; equals LLAMASWIFT_VERSION_STRING of the
 * header it was built with. Static storage: never free it. Any thread. */
const char *llamaswift_version(void);

/* ---------------------------------------------------------------------------------- */
/* Status codes and errors                                                              */
/* ---------------------------------------------------------------------------------- */

typedef enum llamaswift_status {
    LLAMASWIFT_OK = 0,
    LLAMASWIFT_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, out-of-range value, bad params  */
    LLAMASWIFT_ERR_IO = 2,               /* file missing or unreadable (message: path, errno text) */
    LLAMASWIFT_ERR_FORMAT = 3,           /* not GGUF, bad version, truncated, corrupt (message: what, where) */
    LLAMASWIFT_ERR_UNSUPPORTED = 4,      /* architecture, tensor type, tokenizer or template not supported */
    LLAMASWIFT_ERR_BUFFER_TOO_SMALL = 5, /* caller's buffer too small; needed size reported */
    LLAMASWIFT_ERR_CONTEXT_FULL = 6,     /* the session's context has no room; rewind it */
    LLAMASWIFT_ERR_CANCELLED = 7,        /* llamaswift_session_cancel was called */
    LLAMASWIFT_ERR_OUT_OF_MEMORY = 8,    /* an allocation failed */
    LLAMASWIFT_ERR_INTERNAL = 9          /* a bug in the library; please report it */
} llamaswift_status;

/* The constant name-like text of a status ("LLAMASWIFT_ERR_IO: input/output error").
 * Unknown values give "unknown status". Static storage; any thread. */
const char *llamaswift_status_string(llamaswift_status status);

/* The message of the last status-returning call made on the calling thread: the
 * reason of a failure, or "" after a success. Never NULL. The pointer stays valid
 * until the next llamaswift_* call on this thread; copy it to keep it. */
const char *llamaswift_last_error(void);

/* ---------------------------------------------------------------------------------- */
/* Models                                                                               */
/* ---------------------------------------------------------------------------------- */

typedef struct llamaswift_model llamaswift_model;

typedef struct llamaswift_model_params {
    uint32_t struct_size; /* sizeof(llamaswift_model_params) of the caller's header */
    bool vocab_only;      /* load only the tokenizer (no weights are checked or used);
                             the architecture is then not checked either. Default false. */
} llamaswift_model_params;

/* Writes the default model parameters into the first `size` bytes of *p and sets
 * p->struct_size = size (bytes past what this library knows are zeroed).
 * Returns INVALID_ARGUMENT if p is NULL or size < 4. Any thread. */
llamaswift_status llamaswift_model_params_init(llamaswift_model_params *p, size_t size);

static inline llamaswift_model_params llamaswift_model_default_params(void) {
    llamaswift_model_params p;
    llamaswift_model_params_init(&p, sizeof p);
    return p;
}

/* RoPE frequency scaling. 0 in a session's params means "as the model says". */
typedef enum llamaswift_rope_scaling {
    LLAMASWIFT_ROPE_SCALING_FROM_MODEL = 0,
    LLAMASWIFT_ROPE_SCALING_NONE = 1,
    LLAMASWIFT_ROPE_SCALING_LINEAR = 2,  /* positions divided by the factor */
    LLAMASWIFT_ROPE_SCALING_DYNAMIC = 3  /* Hugging Face "dynamic" NTK; see llamaswift_session_decode */
} llamaswift_rope_scaling;

/* Loads a GGUF model from `path` (memory-mapped read-only; quantized weights are used in
 * place). `params` may be NULL (defaults). On success *out owns the model: free it with
 * llamaswift_model_free. On failure *out is set to NULL (when out is not NULL).
 * Errors: INVALID_ARGUMENT (path or out NULL), IO (cannot open/map; message has the
 * path and errno text), FORMAT (not GGUF, bad version, truncated or inconsistent file,
 * missing metadata or tensors, wrong tensor shapes; message names what and where),
 * UNSUPPORTED (architecture other than "llama", a tensor type the engine cannot compute
 * with, an unknown tokenizer), OUT_OF_MEMORY.
 * The file may be hostile: every size and offset is checked before use.
 * Any thread; loads of different files may run concurrently. */
llamaswift_status llamaswift_model_load(const char *path, const llamaswift_model_params *params,
                                        llamaswift_model **out);

/* Releases the caller's reference to a model. Sessions created from it keep it alive
 * until they are freed, so freeing a model before its sessions is safe. NULL is a no-op.
 * Must not race with other calls using the same model handle on this reference. */
void llamaswift_model_free(llamaswift_model *model);

typedef struct llamaswift_model_info {
    uint32_t struct_size;        /* set by the caller: sizeof(llamaswift_model_info) */
    uint32_t n_vocab;            /* tokens in the vocabulary */
    uint32_t n_ctx_train;        /* llama.context_length */
    uint32_t n_embd;             /* embedding width */
    uint32_t n_layer;            /* decoder blocks */
    uint32_t n_head;             /* query heads */
    uint32_t n_head_kv;          /* key/value heads (== n_head: MHA, 1: MQA, else GQA) */
    uint32_t n_ff;               /* feed-forward width */
    uint32_t n_rot;              /* rotary dimensions per head */
    float rope_freq_base;        /* llama.rope.freq_base (10000 if absent) */
    uint32_t rope_scaling_type;  /* llamaswift_rope_scaling (never FROM_MODEL) */
    float rope_scaling_factor;   /* 1 when unscaled */
    uint32_t rope_original_ctx;  /* llama.rope.scaling.original_context_length or n_ctx_train */
    float rms_norm_eps;          /* llama.attention.layer_norm_rms_epsilon */
    uint32_t file_type;          /* general.file_type (llama.cpp's ftype), 0xFFFFFFFF if absent */
    uint64_t n_params;           /* elements in all tensors */
    uint64_t size_bytes;         /* bytes of all tensor data */
    bool vocab_only;             /* loaded with vocab_only: no weights */
} llamaswift_model_info;

/* Fills *out with what the model is. The caller sets out->struct_size first; at most
 * that many bytes are written (an older caller gets the fields it knows).
 * Errors: INVALID_ARGUMENT (model or out NULL, struct_size < 4, not a model handle).
 * Any thread. For a vocab_only model only n_vocab and vocab_only are meaningful. */
llamaswift_status llamaswift_model_get_info(const llamaswift_model *model, llamaswift_model_info *out);

/* Renders the metadata value under `key` as text into buf (numbers in decimal, strings
 * as they are, arrays summarised as "[type × count] [first items, …]"). *len receives
 * the text's length in bytes (without the NUL), also when buf is too small.
 * buf may be NULL when cap is 0 (a size query, returns BUFFER_TOO_SMALL unless empty).
 * Errors: INVALID_ARGUMENT (model, key or len NULL; key not present — the message says
 * so), BUFFER_TOO_SMALL (cap < length + 1; *len = length). Any thread. */
llamaswift_status llamaswift_model_meta_string(const llamaswift_model *model, const char *key, char *buf,
                                               size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* LLAMASWIFT_H */
