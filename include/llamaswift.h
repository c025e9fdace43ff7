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
 * Text outputs are always NUL-terminated, so a text buffer needs length + 1 bytes; the
 * length reported in *len excludes the NUL. (Token pieces may contain a NUL byte of their
 * own — trust *len, not strlen.) The buffer may be NULL when cap is 0.
 *
 * SIZES. Every size_t length, count and capacity is checked as unsigned: no C object is
 * larger than PTRDIFF_MAX, so a value above it (such as (size_t)-1) is
 * LLAMASWIFT_ERR_INVALID_ARGUMENT, never read as a negative number.
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
#define LLAMASWIFT_VERSION_MINOR 6
#define LLAMASWIFT_VERSION_PATCH 0
#define LLAMASWIFT_VERSION_STRING "0.6.0"
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
/* Logging                                                                              */
/* ---------------------------------------------------------------------------------- */

/* Severity of a log message. Values are stable; new ones only appended. Since 0.3. */
typedef enum llamaswift_log_level {
    LLAMASWIFT_LOG_ERROR = 1,   /* a call failed (its status and message, as llamaswift_last_error) */
    LLAMASWIFT_LOG_WARNING = 2, /* a setting was adjusted (e.g. n_threads capped to the CPUs) */
    LLAMASWIFT_LOG_INFO = 3,    /* a model loaded, a session created, its threads changed */
    LLAMASWIFT_LOG_DEBUG = 4    /* details for developers */
} llamaswift_log_level;

/* Receives one log message: `message` is NUL-terminated UTF-8 without a trailing
 * newline, valid only during the call. Called on the thread whose llamaswift_* call
 * logs, never on two threads at once (delivery is serialised). It must not call
 * llamaswift_* functions other than llamaswift_status_string and llamaswift_version:
 * messages logged from inside it are dropped. Since 0.3. */
typedef void (*llamaswift_log_callback)(llamaswift_log_level level, const char *message, void *user_data);

/* Sends the library's log messages to `callback` with `user_data`, or, with NULL,
 * turns logging off. The library is silent by default: it never writes to stdout or
 * stderr. Messages of every level are delivered; filter by level in the callback.
 * A failed status-returning call logs its message at LLAMASWIFT_LOG_ERROR, except
 * BUFFER_TOO_SMALL (a size query) and CANCELLED (asked for). When this function
 * returns, no message is being delivered to the previous callback, so its user data may
 * be freed. Process-wide; any thread. Called from inside a log callback it does
 * nothing. Since 0.3. */
void llamaswift_log_set(llamaswift_log_callback callback, void *user_data);

/* ---------------------------------------------------------------------------------- */
/* Models                                                                               */
/* ---------------------------------------------------------------------------------- */

typedef struct llamaswift_model llamaswift_model;

/* Receives the progress of a model load: a fraction in [0, 1] that only grows, 0 first
 * and 1 last when the load succeeds (a load with little to do may report only those
 * two). Most of a load's time is copying matrices into faster layouts and, with
 * use_mlock, faulting the weights in; the calls come between those steps, at most about
 * 200 per load. Called on the thread that calls llamaswift_model_load, during that call.
 * Return true to go on, false to cancel the load: llamaswift_model_load then returns
 * LLAMASWIFT_ERR_CANCELLED, having freed what it had loaded, and calls the callback no
 * more. The callback must not call llamaswift_model_load. Since 0.3. */
typedef bool (*llamaswift_progress_callback)(float progress, void *user_data);

typedef struct llamaswift_model_params {
    uint32_t struct_size; /* sizeof(llamaswift_model_params) of the caller's header */
    bool vocab_only;      /* load only the tokenizer (no weights are checked or used);
                             the architecture is then not checked either. Default false. */
    /* Appended in 0.3 (a caller whose struct_size ends before a field gets its default;
     * the callback is used only when struct_size covers both it and its user data): */
    llamaswift_progress_callback progress_callback; /* NULL (default): no progress reports */
    void *progress_callback_user_data;              /* passed to progress_callback; default NULL */
    bool use_mlock;       /* lock the weights the model reads in RAM (mlock) so they are never
                             paged out: the mapped tensors read in place and the repacked
                             copies, until llamaswift_model_free. Locking reads the whole
                             model at load. Needs RLIMIT_MEMLOCK ≥ the model's size or
                             CAP_IPC_LOCK, else the load fails with OUT_OF_MEMORY. Ignored
                             with vocab_only. Default false. */
    /* Appended in 0.5 (read only when struct_size ≥ 40: the field starts past 0.4's
     * 32 bytes, so a 0.4 caller's trailing padding is never taken for it): */
    uint64_t weight_type; /* a llamaswift_weight_type: Hugging Face checkpoint folders
                             only, the type the matrices are quantized to at load.
                             LLAMASWIFT_WEIGHT_TYPE_AS_STORED (0, default): F32/F16/BF16
                             matrices are used in place from the mapped safetensors;
                             Q8_0 / Q4_0: every matrix whose rows are whole 32-element
                             blocks is quantized into memory (ggml's reference rounding).
                             Ignored for GGUF files (used as stored) and with vocab_only.
                             Another value: INVALID_ARGUMENT. */
} llamaswift_model_params;

/* Values of llamaswift_model_params.weight_type (0.5). */
typedef enum llamaswift_weight_type {
    LLAMASWIFT_WEIGHT_TYPE_AS_STORED = 0,
    LLAMASWIFT_WEIGHT_TYPE_Q8_0 = 1,
    LLAMASWIFT_WEIGHT_TYPE_Q4_0 = 2
} llamaswift_weight_type;

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
 * place), or, when `path` is a directory, a Hugging Face checkpoint folder (0.5):
 * config.json; model.safetensors, or the shards model.safetensors.index.json names;
 * tokenizer.json with tokenizer_config.json / generation_config.json when present.
 * Architectures (config.json architectures[0]): LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM, Phi3ForCausalLM, Gemma3ForCausalLM; F32/F16/BF16 tensors,
 * memory-mapped and used in place (Q/K in Hugging Face's rotate-half order), or quantized
 * at load (params->weight_type). Tokenizers: byte-level BPE (GPT-2, SmolLM, Qwen2,
 * LLaMA 3 pre-tokenizers) and SentencePiece-style BPE with byte fallback. A folder is
 * validated like a GGUF file (safetensors header length, dtypes, shapes, data offsets
 * within the file and not overlapping; JSON syntax, nesting ≤ 64, sizes) with the same
 * statuses: IO for a missing file or shard, FORMAT for a malformed one, UNSUPPORTED
 * naming an architecture, dtype, tokenizer (Unigram, tokenizer.model only) or tensor
 * the engine does not run. `params` may be NULL (defaults). On success *out owns the model: free it with
 * llamaswift_model_free. On failure *out is set to NULL (when out is not NULL).
 * Errors: INVALID_ARGUMENT (path or out NULL), IO (cannot open/map; message has the
 * path and errno text; not a regular file or directory — a FIFO, a device, a /proc or
 * /sys file — refused at once, without reading or waiting), FORMAT (not GGUF, bad
 * version, truncated or inconsistent file, missing metadata or tensors, wrong tensor
 * shapes, two tensors whose data overlap; message names what and where),
 * UNSUPPORTED (naming it: a general.architecture other than "llama", "qwen2", "phi3" or
 * "gemma3"; a tensor the family's graph would not read, e.g. an output bias, Phi-3
 * LongRoPE factors, a vision tower; a "<arch>." metadata key the engine does not
 * honour, e.g. soft-capping, expert counts, YaRN settings; a tensor type the engine
 * cannot compute with; an unknown tokenizer; special tokens — control, user-defined,
 * unknown — whose texts total over 1 MiB: they are matched by one automaton of ~27
 * bytes per text byte; real vocabularies use under 80 KB), OUT_OF_MEMORY.
 * Families: "llama" (LLaMA 1/2/3.x with rope_freqs.weight, Mistral, SmolLM, TinyLlama;
 * optional Q/K/V/O biases), "qwen2", "phi3" (fused QKV/gate-up), "gemma3" (text).
 * Sliding-window attention: Gemma 3's local layers attend to their last
 * gemma3.attention.sliding_window positions, as llama.cpp does. Mistral GGUFs carry no
 * window (llama.cpp's converter drops it) and Phi-3's phi3.attention.sliding_window is
 * ignored: both attend to the whole context, exactly as llama.cpp runs them.
 * CANCELLED: params->progress_callback returned false (nothing stays loaded).
 * OUT_OF_MEMORY also when params->use_mlock is set and the kernel refuses to lock the
 * weights (the message gives errno and RLIMIT_MEMLOCK).
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

/* ---------------------------------------------------------------------------------- */
/* Tokens                                                                               */
/* ---------------------------------------------------------------------------------- */

/* Flags of llamaswift_tokenize. */
#define LLAMASWIFT_TOKENIZE_ADD_SPECIAL 1u   /* add BOS/EOS as the model's metadata asks
                                                (tokenizer.ggml.add_bos_token / add_eos_token,
                                                llama.cpp's defaults when absent) — only
                                                those the file names (llamaswift_token_bos) */
#define LLAMASWIFT_TOKENIZE_PARSE_SPECIAL 2u /* match control and user-defined token texts
                                                such as "<|im_start|>" in the text */

/* Tokenizes `len` bytes of `text` exactly as llama.cpp's llama_tokenize does for the
 * same vocabulary (SentencePiece BPE or byte-level BPE with the model's pre-tokenizer).
 * Size then fill: *n receives the token count; if cap < count the call returns
 * BUFFER_TOO_SMALL and writes no tokens (tokens may be NULL when cap is 0).
 * The text need not be NUL-terminated and may contain NUL bytes and invalid UTF-8; as
 * llama.cpp does, SentencePiece vocabularies see raw bytes (unknown bytes become byte
 * tokens) and byte-level vocabularies read each invalid byte as U+FFFD (the one
 * difference: 4-byte sequences above U+10FFFF, which abort llama.cpp, are read as U+FFFD
 * here). text may be NULL only when len is 0.
 * Memory and time: the call needs working memory of at most about 56 bytes per input
 * byte, the tokens included (measured worst cases: one 10 MiB word or a 10 MiB run of
 * spaces, ~50; ordinary text 2–17), so the 64 MiB maximum needs at most ~3.5 GiB; when
 * an allocation fails the call returns OUT_OF_MEMORY (it never aborts). Special tokens
 * are found in one pass over the text, whatever their number. Time is O(n log n).
 * Errors: INVALID_ARGUMENT (model or n NULL; text NULL with len > 0; unknown flag bits;
 * len over 64 MiB), OUT_OF_MEMORY, BUFFER_TOO_SMALL. Any thread. */
llamaswift_status llamaswift_tokenize(const llamaswift_model *model, const char *text, size_t len, uint32_t flags,
                                      int32_t *tokens, size_t cap, size_t *n);

/* The bytes of one token (llama.cpp's llama_token_to_piece with special = true: control
 * tokens render their text, byte tokens their byte, SentencePiece's U+2581 a space).
 * A piece may be an incomplete UTF-8 sequence. Size then fill through *len.
 * Errors: INVALID_ARGUMENT (model or len NULL, token out of range), BUFFER_TOO_SMALL.
 * Any thread. */
llamaswift_status llamaswift_token_to_piece(const llamaswift_model *model, int32_t token, char *buf, size_t cap,
                                            size_t *len);

/* The text of `n` tokens, exactly as llama.cpp's llama_detokenize (remove_special =
 * false, unparse_special = true): each token's piece (control tokens render their text),
 * the first piece without its leading space for SentencePiece vocabularies, and then —
 * for vocabularies whose pre-tokenizer asks for Hugging Face's
 * clean_up_tokenization_spaces, as llama.cpp decides it (GPT-2, LLaMA 3 and others; not
 * Qwen2, SmolLM2 or SentencePiece ones) — the space clean-up: the space before ? ! . ,
 * is dropped, " ' " becomes "'", and " 's", " 'm", " 're", " 've" lose their space. So
 * "Hello , world !" tokenized and detokenized with a GPT-2 vocabulary returns as
 * "Hello, world!"; to get the text back, use llamaswift_detokenize_ex with flags 0.
 * Size then fill.
 * Errors: INVALID_ARGUMENT (model or len NULL, tokens NULL with n > 0, a token out of
 * range — the message gives its index), BUFFER_TOO_SMALL. Any thread. */
llamaswift_status llamaswift_detokenize(const llamaswift_model *model, const int32_t *tokens, size_t n, char *buf,
                                        size_t cap, size_t *len);

/* Flags of llamaswift_detokenize_ex. */
#define LLAMASWIFT_DETOKENIZE_CLEAN_SPACES 1u /* apply the space clean-up described at
                                                 llamaswift_detokenize, whatever the
                                                 vocabulary (Hugging Face's
                                                 clean_up_tokenization_spaces = true) */

/* As llamaswift_detokenize, with the space clean-up chosen by the caller instead of the
 * vocabulary: with flags 0 the result is the pieces as they are, so for any valid UTF-8
 * text, detokenize_ex(tokenize(text, flags 0), 0) gives back the text (byte-level
 * vocabularies read invalid UTF-8 as U+FFFD, and ADD_SPECIAL / PARSE_SPECIAL add or
 * turn text into special tokens, which render as their text). Size then fill.
 * Errors: as llamaswift_detokenize, and INVALID_ARGUMENT for unknown flag bits.
 * Any thread. Since 0.2. */
llamaswift_status llamaswift_detokenize_ex(const llamaswift_model *model, const int32_t *tokens, size_t n,
                                           uint32_t flags, char *buf, size_t cap, size_t *len);

/* The beginning-of-sequence, end-of-sequence and end-of-turn token ids, or -1 when the
 * vocabulary names none (or model is NULL or not a model). An id is reported only when
 * the file names it: tokenizer.ggml.bos_token_id / eos_token_id / eot_token_id, or for
 * EOT a token whose text llama.cpp recognises as one (<|eot_id|>, <|im_end|>, <|end|>,
 * <end_of_turn>, <|endoftext|>, …). llama.cpp instead falls back to fixed ids when the
 * key is missing (1 and 2 for SentencePiece, 11 — "," for GPT-2-style vocabularies —
 * for byte-level ones); llamaswift never reports such a guess, and
 * LLAMASWIFT_TOKENIZE_ADD_SPECIAL adds no BOS or EOS the file does not name.
 * Any thread; they do not set the last error. llamaswift_token_eot since 0.2. */
int32_t llamaswift_token_bos(const llamaswift_model *model);
int32_t llamaswift_token_eos(const llamaswift_model *model);
int32_t llamaswift_token_eot(const llamaswift_model *model);

/* True if generation should stop at this token: EOS, EOT, EOM and the end-of-turn
 * tokens llama.cpp recognises (<|im_end|>, <|eot_id|>, <|endoftext|>, <end_of_turn>, …).
 * False for an invalid model or token. Any thread; does not set the last error. */
bool llamaswift_token_is_end_of_generation(const llamaswift_model *model, int32_t token);

/* ---------------------------------------------------------------------------------- */
/* Sessions                                                                             */
/* ---------------------------------------------------------------------------------- */

typedef struct llamaswift_session llamaswift_session;

/* KV cache element type (llama.cpp's --cache-type-k / --cache-type-v), of the K cache
 * (llamaswift_session_params.kv_type) and of the V cache (kv_type_v, since 0.6).
 *
 * Q8_0 (since 0.6) halves the memory of the F16 cache (8.5 bits an element instead of
 * 16): each K or V row of a KV head (head_dim elements at one position) is stored as
 * head_dim/32 blocks of 32 elements, each block one F16 scale d = max|x|/127 and 32
 * int8 quants q = round(x/d) (round half away from zero; q = 0 when d is 0), the value
 * read back being d·q: llama.cpp's reference quantize_row_q8_0. A token's K and V are
 * quantized once, when it is evaluated; attention converts the rows back to floats and
 * then computes as with the F16 cache, so results are still bit-identical across thread
 * counts, batch splits and kernel levels, and differ from the F16 cache's only by the
 * quantization (SmolLM2 135M: see docs/performance.md, "Long contexts").
 * Everything works with it: decode, logits_all, batched decode (all sessions of one call
 * must have the same K and V types, else INVALID_ARGUMENT), context shift (keys are
 * dequantized, rotated and quantized again, as llama.cpp does), state save/load (the
 * state records the types; loading it into a session of other types is
 * INVALID_ARGUMENT, never a conversion), prefix copy (same types only), embeddings,
 * Gemma 3's sliding-window layers.
 * Errors at llamaswift_session_create: INVALID_ARGUMENT for a value not listed here, for
 * Q8_0 with a head_dim that is not a multiple of 32, and for F32 mixed with another type
 * (F32 K needs F32 V and the reverse; F16 and Q8_0 mix freely). */
typedef enum llamaswift_kv_type {
    LLAMASWIFT_KV_AUTO = 0, /* F32 when the model's attention weights are F32, else F16 */
    LLAMASWIFT_KV_F32 = 1,
    LLAMASWIFT_KV_F16 = 2,
    LLAMASWIFT_KV_Q8_0 = 3 /* since 0.6 */
} llamaswift_kv_type;

typedef struct llamaswift_session_params {
    uint32_t struct_size;
    uint32_t n_ctx;              /* context length in tokens; 0 = the model's training context, at most 4096 */
    uint32_t n_batch;            /* tokens evaluated per forward chunk; 0 = 512 */
    uint32_t n_threads;          /* worker threads; 0 = the number of CPUs, at most 8; more than the
                                    CPUs this process may use (sched_getaffinity) is capped to them */
    bool logits_all;             /* keep the logits of every token of a decode call, not just the last */
    uint32_t kv_type;            /* llamaswift_kv_type of the K cache (and of the V cache when
                                    kv_type_v is 0); 0 = auto */
    uint32_t rope_scaling_type;  /* llamaswift_rope_scaling; 0 = the model's */
    float rope_freq_base;        /* 0 = the model's */
    float rope_scaling_factor;   /* 0 = the model's */
    uint32_t rope_original_ctx;  /* 0 = the model's (for dynamic NTK) */
    /* Appended in 0.5 (a caller whose struct_size ends before a field gets its default): */
    bool embeddings;             /* compute embeddings instead of logits (see
                                    llamaswift_session_embeddings); default false */
    int32_t pooling_type;        /* llamaswift_pooling_type, with embeddings; default UNSPECIFIED */
    int32_t embd_normalize;      /* with embeddings, llama.cpp's --embd-normalize: -1 none (default),
                                    0 scaled so the largest |value| is 32760 (int16 range),
                                    1 taxicab (L1), 2 euclidean (L2), p > 2 the p-norm (p ≤ 65536);
                                    applied to each output vector */
    /* Appended in 0.6 (a caller whose struct_size ends before it, such as one built
     * against 0.5's header, gets the default): */
    uint32_t kv_type_v;          /* llamaswift_kv_type of the V cache; 0 (default) = the same as the
                                    K cache's (kv_type, or auto) */
} llamaswift_session_params;

/* How embeddings are pooled over the tokens of one decode call
 * (llamaswift_session_params.pooling_type): llama.cpp's llama_pooling_type, with its
 * numbers (its RANK, 4, a classifier head, is not supported). Since 0.5. */
typedef enum llamaswift_pooling_type {
    LLAMASWIFT_POOLING_TYPE_UNSPECIFIED = -1, /* the model's <arch>.pooling_type, else NONE */
    LLAMASWIFT_POOLING_TYPE_NONE = 0,         /* one vector per token of the call */
    LLAMASWIFT_POOLING_TYPE_MEAN = 1,         /* the mean of the call's token vectors */
    LLAMASWIFT_POOLING_TYPE_CLS = 2,          /* the call's first token's vector */
    LLAMASWIFT_POOLING_TYPE_LAST = 3          /* the call's last token's vector */
} llamaswift_pooling_type;

/* Writes the default session parameters into the first `size` bytes of *p (see
 * llamaswift_model_params_init). Errors: INVALID_ARGUMENT (p NULL, size < 4). */
llamaswift_status llamaswift_session_params_init(llamaswift_session_params *p, size_t size);

static inline llamaswift_session_params llamaswift_session_default_params(void) {
    llamaswift_session_params p;
    llamaswift_session_params_init(&p, sizeof p);
    return p;
}

/* Creates a session on `model`: allocates its KV cache (n_ctx positions, all layers) and
 * scratch buffers once, and starts its worker threads. The session holds a reference to
 * the model, so the model may be freed first. On failure *out = NULL.
 * Errors: INVALID_ARGUMENT (model or out NULL; a vocab_only model; n_ctx over 1,048,576,
 * n_threads over 512, n_batch over 65,536; an invalid RoPE override; with embeddings, a
 * pooling_type outside -1 … 3 or an embd_normalize outside -1 … 65536), OUT_OF_MEMORY
 * (the cache or buffers cannot be allocated — the message gives the size); since 0.6
 * also INVALID_ARGUMENT for a kv_type or kv_type_v that is not a llamaswift_kv_type,
 * a Q8_0 cache on a model whose head_dim is not a multiple of 32, or F32 mixed with
 * another cache type (see llamaswift_kv_type; the last-error message says which).
 * Any thread; different sessions are independent. */
llamaswift_status llamaswift_session_create(llamaswift_model *model, const llamaswift_session_params *params,
                                            llamaswift_session **out);

/* Frees a session, its cache, buffers and threads. NULL is a no-op. Must not be called
 * while another thread uses the session (llamaswift_session_cancel included). */
void llamaswift_session_free(llamaswift_session *session);

/* Appends `n` tokens to the session's context and evaluates them (in n_batch chunks),
 * leaving the logits of the last token (or of all n with logits_all) in
 * llamaswift_session_logits. All or nothing: on any error the position, the cache up
 * to it and the previous logits (values and address) are as before the call, and the
 * session stays usable.
 * RoPE with dynamic NTK scaling: the base for this call is computed from the length the
 * call reaches (position + n); keys already cached keep the rotation they were stored
 * with (Hugging Face's cached-generation behaviour). So evaluating a sequence in one
 * call equals Hugging Face's one-pass forward, token by token equals its cached
 * generation, and results depend on how a long prompt is split into calls — with
 * dynamic NTK only. Every other mode is independent of the split and of n_threads.
 * Errors: INVALID_ARGUMENT (session NULL, tokens NULL, n == 0, a token out of range),
 * CONTEXT_FULL (position + n > n_ctx: rewind the session), CANCELLED (a cancel arrived
 * during the call), OUT_OF_MEMORY (logits_all buffer), FORMAT (the model's weights
 * produce NaN — a corrupt or hostile file; the message names the first layer, "the token
 * embedding" or "the output projection" where it appeared).
 * One thread at a time per session. */
llamaswift_status llamaswift_session_decode(llamaswift_session *session, const int32_t *tokens, size_t n);

/* The logits of the last decode: n_vocab floats (n × n_vocab with logits_all, one row
 * per token of that call, or the rows a state load restored). Owned by the session;
 * valid until the next decode, rewind or free: a failed decode leaves it as it was, and
 * after llamaswift_session_state_load a pointer taken before the load still reads the
 * old logits (call this function again for the restored ones). NULL before the first
 * decode, after a rewind, or for a NULL/invalid session. */
const float *llamaswift_session_logits(const llamaswift_session *session);

/* Tokens in the session's cache (0 for NULL). */
uint32_t llamaswift_session_position(const llamaswift_session *session);

/* Drops every token after the first `position`, so decoding continues from there (for
 * a new turn, a retry, or after CONTEXT_FULL). The logits become unavailable.
 * Errors: INVALID_ARGUMENT (session NULL, position greater than the current one). */
llamaswift_status llamaswift_session_rewind(llamaswift_session *session, uint32_t position);

/* Sets the number of worker threads of the session for the calls that follow: 0 = the
 * number of CPUs (at most 8); more than the CPUs this process may use
 * (sched_getaffinity) is capped to them, as at creation. Results do not depend on the
 * thread count (the same logits bit for bit), so it may change between any two calls
 * — e.g. fewer threads while another session is busy. The new workers are started
 * before the old ones stop, so on failure the session keeps its threads.
 * Errors: INVALID_ARGUMENT (session NULL or not a session; n_threads over 512; called
 * during a call on the same session — from a generate's callback), OUT_OF_MEMORY (a
 * thread or buffer cannot be had). One thread at a time per session. Since 0.3. */
llamaswift_status llamaswift_session_set_threads(llamaswift_session *session, uint32_t n_threads);

/* The number of worker threads the session uses now (n_threads after the defaults and
 * the CPU cap), or 0 for a NULL or invalid session. One thread at a time per session;
 * does not set the last error. Since 0.3. */
uint32_t llamaswift_session_get_threads(const llamaswift_session *session);

/* Asks the call in progress on the session to stop: a decode or generate running on
 * another thread (or a generate's callback, on its own thread) returns
 * LLAMASWIFT_ERR_CANCELLED at its next check (between layers; within milliseconds; a
 * generate also checks after tokenizing its prompt and before each token). A cancel
 * applies to that call only: with no call in progress it does nothing, and a request the
 * call ends before seeing (it finished or failed otherwise) is dropped with it, never
 * kept for a later call (as sqlite3_interrupt). So a caller that cancels just before a
 * call starts may see the call run to its end. The interrupted call leaves the session
 * consistent (as before a cancelled decode; generated text up to the cancel is kept).
 * Safe from any thread, including a signal handler's thread, but not concurrently with
 * llamaswift_session_free. NULL is a no-op. Does not set the last error. */
void llamaswift_session_cancel(llamaswift_session *session);

/* Session state: the tokens, the KV cache up to the position, and the logits of the
 * last decode, with the model's identity (a fingerprint of the file's header and of
 * samples of every tensor), the KV element type and the RoPE settings. A session
 * restored from it continues with exactly the logits the saved one would produce. The
 * bytes are this library's own format (version 1, with a checksum); they are not
 * portable between CPUs of different endianness. Sampler state is not included.
 *
 * Saves the state into buf (size then fill: call with cap 0 to learn the size in
 * *len). The size is about n_layer · 2 · position · kv_width · (2 bytes for F16, 4 for
 * F32, 34/32 for Q8_0) plus n_vocab · 4 for the logits.
 * Errors: INVALID_ARGUMENT (session or len NULL), BUFFER_TOO_SMALL (cap < *len; buf may
 * be NULL when cap is 0). One thread at a time per session. */
llamaswift_status llamaswift_session_state_save(const llamaswift_session *session, void *buf, size_t cap, size_t *len);

/* Restores a state saved by llamaswift_session_state_save into `session` (which may be
 * another session, on the same model file loaded again, with the same K and V cache
 * types (a state is never converted between types) and RoPE
 * settings and an n_ctx at least the saved position). The bytes are only read during
 * the call. All checks come first: on any error the session is unchanged.
 * Errors: INVALID_ARGUMENT (session NULL, buf NULL with len > 0; state saved from
 * another model, with another KV type or other RoPE settings; more tokens than n_ctx),
 * FORMAT (not a state, another format version, truncated, checksum mismatch),
 * OUT_OF_MEMORY (logits rows of a logits_all session). A logits pointer taken before
 * the load stays readable (see llamaswift_session_logits). One thread at a time. */
llamaswift_status llamaswift_session_state_load(llamaswift_session *session, const void *buf, size_t len);

/* Saves the state to the file at `path` (UTF-8), written to "<path>.partial" and then
 * renamed, so a failed save leaves an existing file as it was.
 * Errors: INVALID_ARGUMENT (NULL arguments), IO (cannot create, write or rename; the
 * message gives the errno text). One thread at a time per session. */
llamaswift_status llamaswift_session_state_save_file(const llamaswift_session *session, const char *path);

/* Restores a state from a file written by llamaswift_session_state_save_file (the file
 * is mapped, checked, copied and unmapped). Errors: as llamaswift_session_state_load,
 * plus IO (missing or unreadable file; not a regular file — a FIFO, device, directory or
 * /proc file is refused at once). One thread at a time per session. */
llamaswift_status llamaswift_session_state_load_file(llamaswift_session *session, const char *path);

/* Context shift (llama.cpp's): drops the n_discard tokens after the first n_keep and
 * moves the later ones down by n_discard positions — their cached keys are rotated back
 * by n_discard positions (RoPE), their values move as they are — so a full session can
 * go on decoding. The position becomes position − n_discard. The logits of the last
 * decode stay available (the next token's distribution, computed before the shift).
 * The model then sees a text with a hole: later logits are not those of any unbroken
 * sequence (they equal llama.cpp's after its shift, within float rounding).
 * Errors: INVALID_ARGUMENT (session NULL; n_discard 0; n_keep + n_discard greater than
 * the position), UNSUPPORTED (dynamic NTK RoPE scaling: its keys were rotated with
 * per-call bases). On error the session is unchanged. One thread at a time. Since 0.4. */
llamaswift_status llamaswift_session_shift(llamaswift_session *session, uint32_t n_keep, uint32_t n_discard);

/* Prefix sharing: makes `dst` hold the first n_tokens tokens of `src` — their tokens and
 * cached keys and values, copied, not recomputed — as if dst had decoded them itself
 * (bit for bit: the rows are those dst would compute). A server starts each conversation
 * from a session that evaluated the common system prompt once. dst's previous contents
 * are dropped; its logits become unavailable (decode at least one more token; to get the
 * logits of the prefix's last token, copy n_tokens − 1 and decode that token).
 * Errors: INVALID_ARGUMENT (a session NULL; dst == src; another model handle, KV type or
 * RoPE settings; n_tokens greater than src's position or dst's n_ctx). On error dst is
 * unchanged. src is only read. One thread at a time per session. Since 0.4. */
llamaswift_status llamaswift_session_copy_prefix(llamaswift_session *dst, const llamaswift_session *src,
                                                 uint32_t n_tokens);

/* ---------------------------------------------------------------------------------- */
/* Sampling                                                                             */
/* ---------------------------------------------------------------------------------- */

typedef struct llamaswift_sampler llamaswift_sampler;

#define LLAMASWIFT_SEED_RANDOM UINT64_MAX /* seed from the clock */

/* Where temperature applies in the sampling chain (llamaswift_sampler_params). */
typedef enum llamaswift_temperature_order {
    LLAMASWIFT_TEMPERATURE_LAST = 0, /* llama.cpp's chain (default): top-k, top-p, min-p,
                                        then temperature reshapes what they kept */
    LLAMASWIFT_TEMPERATURE_FIRST = 1 /* Hugging Face's: temperature, then top-k, top-p, min-p */
} llamaswift_temperature_order;

typedef struct llamaswift_sampler_params {
    uint32_t struct_size;
    float temperature;        /* ≥ 0, finite; 0 = greedy; default 0.8 */
    int32_t top_k;            /* ≤ 0 = off; default 40 */
    float top_p;              /* finite; ≥ 1 = off, ≤ 0 = the top token only (as llama.cpp); default 0.95 */
    float min_p;              /* finite; ≤ 0 = off, > 1 = the top token only (as llama.cpp); default 0.05 */
    float repeat_penalty;     /* > 0, finite; 1 = off (default) */
    float frequency_penalty;  /* finite; 0 = off (default) */
    float presence_penalty;   /* finite; 0 = off (default) */
    int32_t penalty_last_n;   /* penalty window; 0 = off, -1 = 4096; default 64 */
    uint64_t seed;            /* LLAMASWIFT_SEED_RANDOM (default) or a fixed seed */
    /* Appended in 0.2 (a caller whose struct_size ends before it gets the default): */
    uint32_t temperature_order; /* llamaswift_temperature_order; default LLAMASWIFT_TEMPERATURE_LAST */
} llamaswift_sampler_params;

/* Writes the default sampler parameters (see llamaswift_model_params_init). */
llamaswift_status llamaswift_sampler_params_init(llamaswift_sampler_params *p, size_t size);

static inline llamaswift_sampler_params llamaswift_sampler_default_params(void) {
    llamaswift_sampler_params p;
    llamaswift_sampler_params_init(&p, sizeof p);
    return p;
}

/* Creates a sampler. Steps, in order (llama.cpp's chain with the default
 * LLAMASWIFT_TEMPERATURE_LAST):
 *   0. the logit bias, if set (llamaswift_sampler_set_logit_bias; since 0.5), then
 *      the grammar mask, if set (llamaswift_sampler_set_grammar; since 0.5);
 *   1. penalties over the last penalty_last_n tokens (repetition: positive logits
 *      divided, negative multiplied; then frequency × count and presence subtracted);
 *   2. temperature 0 → argmax (lowest id on ties), done;
 *   3. LLAMASWIFT_TEMPERATURE_FIRST only: logits ÷ temperature;
 *   4. top-k; 5. softmax; 6. top-p (smallest prefix whose probability reaches top_p);
 *   7. min-p (probability ≥ min_p × the largest);
 *   8. LLAMASWIFT_TEMPERATURE_LAST only: the kept tokens' probabilities recomputed from
 *      logits ÷ temperature;
 *   9. draw from our own xoshiro256** generator seeded with `seed` — the same seed and
 *      inputs give the same tokens on any machine and thread count.
 * So with the default order top-p and min-p see the distribution at temperature 1
 * (temperature 3, min_p 0.1 keeps what min_p 0.1 keeps at temperature 1), as in
 * llama.cpp; with TEMPERATURE_FIRST they see the tempered one, as in Hugging Face.
 * EXTREME VALUES give their mathematical limit, never an overflow: the work is done in
 * double precision from the float logits, and softmax subtracts the largest logit
 * before dividing by the temperature, so a tiny temperature (down to the smallest
 * subnormal float) is greedy (ties share the mass), a huge one (up to FLT_MAX) is
 * uniform over the kept tokens, and huge penalties push a token to probability 0 (or,
 * negative, to 1). top_k beyond the vocabulary keeps everything.
 * Errors: INVALID_ARGUMENT (out NULL; temperature < 0, NaN or infinite; top_p or min_p
 * NaN or infinite; repeat_penalty ≤ 0, NaN or infinite; frequency or presence penalty
 * NaN or infinite; penalty_last_n < -1 or > 4096; temperature_order not one of the
 * enum's values). On failure *out = NULL. Any thread. */
llamaswift_status llamaswift_sampler_create(const llamaswift_sampler_params *params, llamaswift_sampler **out);

/* Frees a sampler. NULL is a no-op. */
void llamaswift_sampler_free(llamaswift_sampler *sampler);

/* Samples a token from the session's current logits (the last token's) and records it
 * in the penalty window. The session is only read. The sampler keeps a copy of the
 * logits for llamaswift_sampler_last_logprobs (since 0.5).
 * Errors: INVALID_ARGUMENT (a handle or token NULL; the session has no logits — decode
 * first; an embeddings session, which has none; the logit bias bans every token).
 * One thread at a time per sampler and session. */
llamaswift_status llamaswift_sampler_sample(llamaswift_sampler *sampler, const llamaswift_session *session,
                                            int32_t *token);

/* Records `token` in the penalty window without sampling (llamaswift_generate accepts
 * the prompt's tokens this way, as llama.cpp does).
 * Errors: INVALID_ARGUMENT (sampler NULL, token < 0). */
llamaswift_status llamaswift_sampler_accept(llamaswift_sampler *sampler, int32_t token);

/* Clears the penalty window; the random state continues. Errors: INVALID_ARGUMENT. */
llamaswift_status llamaswift_sampler_reset(llamaswift_sampler *sampler);

/* ---------------------------------------------------------------------------------- */
/* Generation                                                                           */
/* ---------------------------------------------------------------------------------- */

/* Why a generation ended (llamaswift_generate_result.stop_reason). */
typedef enum llamaswift_stop_reason {
    LLAMASWIFT_STOP_NONE = 0,
    LLAMASWIFT_STOP_END_OF_GENERATION = 1, /* the model produced an end-of-generation token */
    LLAMASWIFT_STOP_MAX_TOKENS = 2,        /* max_tokens were generated */
    LLAMASWIFT_STOP_STRING = 3,            /* a stop string appeared in the generated tokens' text
                                              (control tokens' text included); it is not streamed */
    LLAMASWIFT_STOP_CALLBACK = 4,          /* the callback returned false */
    LLAMASWIFT_STOP_CANCELLED = 5,         /* llamaswift_session_cancel (status CANCELLED) */
    LLAMASWIFT_STOP_CONTEXT_FULL = 6,      /* the context filled up (not an error) */
    LLAMASWIFT_STOP_GRAMMAR_COMPLETE = 7   /* (0.5) the sampler's grammar is complete, allows nothing
                                              more, and the vocabulary has no end-of-generation token
                                              (with one, that token ends it: END_OF_GENERATION) */
} llamaswift_stop_reason;

/* A token and its log-probability (natural log). This struct never grows (arrays of it
 * are passed). Since 0.5. */
typedef struct llamaswift_token_logprob {
    int32_t token;
    float logprob;  /* ≤ 0; -INFINITY for a token the model's logits rule out */
} llamaswift_token_logprob;

/* One generated token, as llamaswift_generate's token callback receives it. The library
 * owns it and everything it points to, valid only during the call. The library fills
 * it; fields may be appended in later versions (read only those you know). Since 0.5. */
typedef struct llamaswift_generated_token {
    int32_t token;                        /* the token id */
    float logprob;                        /* its log-probability (llamaswift_sampler_last_logprobs) */
    const char *piece;                    /* piece_len bytes of its text (llamaswift_token_to_piece:
                                             control tokens render their text; may be part of a
                                             UTF-8 character); not NUL-terminated; may be
                                             NULL when piece_len is 0 */
    size_t piece_len;
    const llamaswift_token_logprob *top;  /* the n_top most probable tokens, descending (ties:
                                             lower id first); NULL when n_top is 0 */
    size_t n_top;                         /* min(params.n_probs, n_vocab) */
} llamaswift_generated_token;

/* Receives each generated token (params.token_callback), before its text reaches the
 * piece callback. Return true to continue, false to stop (stop reason CALLBACK: the
 * token counts in n_generated, its text is not streamed, text held back before it for
 * stop-string matching is). Same rules as llamaswift_piece_callback: it must not call
 * llamaswift functions on the same session or sampler. Since 0.5. */
typedef bool (*llamaswift_token_callback)(const llamaswift_generated_token *token, void *user_data);

typedef struct llamaswift_generate_params {
    uint32_t struct_size;
    int32_t max_tokens;              /* tokens to generate at most; -1 = until EOG or a full context; default 256 */
    uint32_t tokenize_flags;         /* how the prompt is tokenized; default ADD_SPECIAL | PARSE_SPECIAL */
    const char *const *stop_strings; /* n_stop_strings NUL-terminated strings, or NULL; copied during the call.
                                        Matched against the text of every generated token,
                                        control tokens included ("<|im_start|>" stops at that
                                        token though control tokens stream as nothing) */
    size_t n_stop_strings;
    bool reuse_cache;                /* keep the cached tokens that equal the start of the prompt (default true) */
    /* Appended in 0.4 (read only when struct_size covers them, i.e. ≥ 48): */
    uint32_t n_keep;                 /* tokens at the start a context shift never drops; default 0.
                                        The first 4 are always kept (models attend heavily to them:
                                        dropping them breaks generation) */
    bool context_shift;              /* when the context is full, drop the oldest half of the tokens after
                                        n_keep (llamaswift_session_shift) and go on; default true.
                                        false: a full context ends the generation (STOP_CONTEXT_FULL) */
    bool append;                     /* the prompt continues the session's tokens (a chat's next turn, its
                                        new text only; reuse_cache is then ignored); default false */
    /* Appended in 0.5 (read only when struct_size covers all three): */
    llamaswift_token_callback token_callback; /* NULL (default): none; else called for each
                                        generated token, see llamaswift_generate */
    void *token_callback_user_data;  /* passed to token_callback; default NULL */
    uint32_t n_probs;                /* most probable tokens given to token_callback with each token
                                        (llama.cpp's n_probs); default 0: only the chosen token's */
} llamaswift_generate_params;

/* Writes the default generate parameters (see llamaswift_model_params_init). */
llamaswift_status llamaswift_generate_params_init(llamaswift_generate_params *p, size_t size);

static inline llamaswift_generate_params llamaswift_generate_default_params(void) {
    llamaswift_generate_params p;
    llamaswift_generate_params_init(&p, sizeof p);
    return p;
}

typedef struct llamaswift_generate_result {
    uint32_t struct_size;             /* set by the caller */
    uint32_t stop_reason;             /* llamaswift_stop_reason */
    uint32_t n_prompt_tokens;         /* tokens in the prompt */
    uint32_t n_prompt_evaluated;      /* of which evaluated (the rest came from the cache) */
    uint32_t n_generated;             /* tokens generated (end-of-generation token excluded) */
    double prefill_seconds;
    double decode_seconds;
    double prefill_tokens_per_second; /* n_prompt_evaluated / prefill_seconds */
    double decode_tokens_per_second;  /* n_generated / decode_seconds */
    uint32_t n_context_shifts;        /* context shifts made (params.context_shift) */
} llamaswift_generate_result;

/* Receives generated text: `len` bytes of valid UTF-8 — complete characters only (never
 * part of a character, never part of a stop string; bytes that form no character, which
 * sampled tokens can produce, arrive as U+FFFD), not NUL-terminated, valid only during the
 * call. Return true to continue, false to stop (stop reason CALLBACK). The callback must
 * not call llamaswift functions on the same session or sampler. */
typedef bool (*llamaswift_piece_callback)(const char *text, size_t len, void *user);

/* Generates a continuation of `prompt` (`len` bytes): tokenizes it, evaluates it on the
 * session (keeping the cached prefix it shares with the session's tokens when
 * reuse_cache is set — a multi-turn chat re-evaluates only its new text — or after all
 * of them with append), then samples
 * and decodes token by token, streaming text to `callback` (may be NULL) until an
 * end-of-generation token, max_tokens, a stop string, the callback's wish, a full
 * context or a cancel. Streamed text is each token's piece with control and unknown
 * tokens rendered as nothing; stop strings are matched against the pieces with every
 * token's text rendered (llama.cpp's token_to_piece with special = true), so a stop
 * string may name a control token, alone or with text around it. With context_shift
 * (the default) a full context is not an end: half of the tokens after n_keep are
 * dropped (llamaswift_session_shift) — also before the prompt, when it does not fit
 * after the cached tokens — so generation goes on; result->n_context_shifts counts the
 * shifts. The prompt's tokens are added to the sampler's penalty window.
 * With params.token_callback (since 0.5) each generated token (not an end-of-generation
 * token) is reported with its log-probability and params.n_probs alternatives (see
 * llamaswift_generated_token, llamaswift_sampler_last_logprobs) before its text is
 * streamed; the sampler's logit bias applies to every token sampled.
 * `params` may be NULL (defaults); `result` may be NULL, else the caller sets
 * result->struct_size and gets counts, stop reason and speeds — also on CANCELLED.
 * Errors: INVALID_ARGUMENT (session, sampler NULL; prompt NULL with len > 0; an empty
 * prompt; a prompt over 64 MiB; bad params — n_probs over 1,048,576; an embeddings
 * session; the logit bias bans every token), CONTEXT_FULL (the prompt alone does not
 * fit: nothing was generated; with context_shift: not even after dropping every token
 * after n_keep), CANCELLED (stop reason CANCELLED; text so far was streamed),
 * OUT_OF_MEMORY (the prompt's tokenization, as llamaswift_tokenize).
 * One thread at a time per session and sampler. */
llamaswift_status llamaswift_generate(llamaswift_session *session, llamaswift_sampler *sampler, const char *prompt,
                                      size_t len, const llamaswift_generate_params *params,
                                      llamaswift_piece_callback callback, void *user,
                                      llamaswift_generate_result *result);

/* ---------------------------------------------------------------------------------- */
/* Chat                                                                                 */
/* ---------------------------------------------------------------------------------- */

/* One message of a conversation. Both strings are NUL-terminated UTF-8 and borrowed
 * for the duration of the call. This struct never grows (arrays of it are passed). */
typedef struct llamaswift_chat_message {
    const char *role;    /* "system", "user", "assistant", … */
    const char *content;
} llamaswift_chat_message;

/* Renders `n` messages as the prompt text the model expects, exactly as llama.cpp's
 * llama_chat_apply_template does (it recognises the template family; it does not run
 * Jinja — e.g. no default system message is added). `template_name` is a built-in name
 * ("chatml", "llama2", "llama2-sys", "llama3", "mistral-v1", "mistral-v3", "mistral-v7",
 * "zephyr", "phi3", "gemma", … — llama.cpp 0.3.36's 54 names) or NULL for the model's own
 * tokenizer.chat_template; when the file has none, its family's built-in format where
 * there is one ("gemma" for gemma3 files — llama.cpp would use ChatML), else ChatML. With add_assistant_prefix
 * the text ends with the opening of an assistant turn. Size then fill through *len.
 * model may be NULL when template_name is given.
 * Roles and contents may total 64 MiB (counting 64 bytes more per message); rendering
 * needs about 6 times their size, which the call allocates once up front to check.
 * Errors: INVALID_ARGUMENT (len NULL; msgs NULL with n > 0; a NULL role or content;
 * model and template_name both NULL; n over 2^20; messages over 64 MiB), UNSUPPORTED
 * (unknown name or unrecognised model template — the message lists the built-in names),
 * OUT_OF_MEMORY (the memory to render cannot be had), BUFFER_TOO_SMALL. Any thread. */
llamaswift_status llamaswift_chat_format(const llamaswift_model *model, const char *template_name,
                                         const llamaswift_chat_message *msgs, size_t n, bool add_assistant_prefix,
                                         char *buf, size_t cap, size_t *len);

/* ---------------------------------------------------------------------------------- */
/* Batched decode: several sessions in one forward pass (since 0.4)                   */
/* ---------------------------------------------------------------------------------- */

/* One session's tokens in a batched decode. The pointers are borrowed for the call.
 * This struct never grows (arrays of it are passed). */
typedef struct llamaswift_batch_item {
    llamaswift_session *session;
    const int32_t *tokens; /* n_tokens token ids to append to the session */
    size_t n_tokens;       /* > 0: 1 to decode a token, more to evaluate a prompt */
} llamaswift_batch_item;

typedef struct llamaswift_batch_params {
    uint32_t struct_size;
    uint32_t n_batch; /* most tokens per forward pass, all sessions together; 0 (default) or
                         more than the first session's n_batch = the first session's n_batch */
} llamaswift_batch_params;

/* Writes the default batch parameters (see llamaswift_model_params_init). */
llamaswift_status llamaswift_batch_params_init(llamaswift_batch_params *p, size_t size);

static inline llamaswift_batch_params llamaswift_batch_default_params(void) {
    llamaswift_batch_params p;
    llamaswift_batch_params_init(&p, sizeof p);
    return p;
}

/* Appends items[i].tokens to items[i].session for every i and evaluates them in shared
 * forward passes: the tokens of all items, in order, go through the model up to n_batch
 * at a time, so each weight matrix is read once per pass for all the sessions (a server
 * advancing 8 conversations by one token each reads the weights once, not 8 times).
 * Each session ends exactly as if llamaswift_session_decode(session, tokens, n_tokens)
 * had been called on it alone: the same position, cache and logits, bit for bit (with
 * dynamic NTK RoPE, as that call with those tokens). Sessions not in the call are
 * untouched. The passes run on the first item's session's worker threads and scratch
 * buffers (its n_threads; its n_batch bounds the tokens per pass); the other sessions'
 * threads stay idle.
 * The sessions must be distinct, created on the same model handle, with the same K and
 * V cache types (llamaswift_kv_type); their n_ctx, n_batch, n_threads, logits_all and RoPE settings may differ.
 * All or nothing for the whole batch: on any error no session changes (positions,
 * caches up to them, logits and their addresses stay as before).
 * `params` may be NULL (defaults).
 * Errors: INVALID_ARGUMENT (items NULL or n_items 0; n_items over 65,536; a NULL or
 * invalid session; a session twice; sessions of different models or KV types; tokens
 * NULL or n_tokens 0 in an item; a token out of range — the message names the item),
 * CONTEXT_FULL (an item's tokens do not fit its session: rewind it), CANCELLED
 * (llamaswift_session_cancel on any of the sessions during the call cancels the whole
 * call), OUT_OF_MEMORY, FORMAT (NaN from the weights; see llamaswift_session_decode).
 * Threads: no session of the batch may be used by another thread during the call (the
 * caller's duty), except llamaswift_session_cancel; different batches over disjoint
 * sessions may run concurrently. */
llamaswift_status llamaswift_batch_decode(const llamaswift_batch_item *items, size_t n_items,
                                          const llamaswift_batch_params *params);

/* ---------------------------------------------------------------------------------- */
/* Logit bias, log-probabilities, embeddings (since 0.5)                               */
/* ---------------------------------------------------------------------------------- */

/* One token's logit bias. This struct never grows (arrays of it are passed). */
typedef struct llamaswift_logit_bias {
    int32_t token; /* ≥ 0 */
    float bias;    /* added to the token's logit; -INFINITY bans the token; not NaN */
} llamaswift_logit_bias;

/* Sets the sampler's logit bias (llama.cpp's llama_sampler_init_logit_bias, OpenAI's
 * logit_bias): `n` entries, copied, replacing the previous set (n = 0 clears it; bias
 * may then be NULL). Each bias is added to its token's logit FIRST in the chain of
 * llamaswift_sampler_create — before a grammar's mask, the penalties, greedy selection and the filters,
 * as llama.cpp's common sampler orders it. Entries for the same token add up.
 * A bias of -INFINITY bans the token: it is never sampled, at any temperature, greedy
 * included. When bans leave no token (every logit -INFINITY),
 * llamaswift_sampler_sample returns INVALID_ARGUMENT ("bans every token") rather than
 * llama.cpp's arbitrary token. +INFINITY makes the token's logit +infinity, which takes
 * all the probability (shared among such tokens); a finite +100 makes a token all but
 * certain. A token at or past the vocabulary of the logits being sampled is ignored (as
 * llama.cpp's sampler does), so one sampler may serve models of different
 * vocabularies; check ids against n_vocab yourself if that is an error for you.
 * Log-probabilities are not affected (llamaswift_sampler_last_logprobs).
 * Errors: INVALID_ARGUMENT (sampler NULL; bias NULL with n > 0; n over 1,048,576; a
 * token < 0 or a NaN bias — the message gives the index); on error the previous set
 * stays. One thread at a time per sampler. */
llamaswift_status llamaswift_sampler_set_logit_bias(llamaswift_sampler *sampler, const llamaswift_logit_bias *bias,
                                                    size_t n);

/* The log-probabilities of the token the last llamaswift_sampler_sample returned
 * (llamaswift_generate samples through the same call): *chosen gets that token and its
 * log-probability, top[0 … *n_written − 1] the n_top most probable tokens (descending;
 * ties: lower id first; *n_written = min(n_top, n_vocab)).
 * WHICH DISTRIBUTION: the model's raw logits for that token — before the logit bias,
 * the grammar mask, penalties, temperature and the top-k/top-p/min-p filters — as llama.cpp's server
 * reports n_probs (a softmax of llama_get_logits_ith) and llama-cpp-python logprobs:
 *     logprob(i) = l_i − max_j l_j − log Σ_j exp(l_j − max_j l_j)   (in double precision)
 * So a token forced by a bias shows the probability the model gave it. The sampler
 * keeps a copy of the logits it sampled (n_vocab floats), so the session may have
 * decoded further since. Cost: one pass over the vocabulary per call.
 * chosen and n_written may be NULL; top may be NULL when n_top is 0.
 * Errors: INVALID_ARGUMENT (sampler NULL; top NULL with n_top > 0; n_top over
 * PTRDIFF_MAX; no token sampled yet). One thread at a time per sampler. */
llamaswift_status llamaswift_sampler_last_logprobs(const llamaswift_sampler *sampler,
                                                   llamaswift_token_logprob *chosen, llamaswift_token_logprob *top,
                                                   size_t n_top, size_t *n_written);

/* The embeddings of the last decode of a session created with params.embeddings:
 * the final hidden states — the output of the model's final norm (RMSNorm · output_norm),
 * the input of the output projection; llama.cpp's embeddings, Hugging Face's
 * last_hidden_state — of the tokens of that one decode call (or batch item), pooled as
 * params.pooling_type says: NONE gives *n_rows = the call's token count vectors (row i
 * is the call's token i), MEAN, CLS (the call's first token) and LAST (its last token)
 * give one, *n_rows = 1; each vector n_embd floats (llamaswift_model_info.n_embd),
 * normalised per params.embd_normalize. Pooling is over the call's tokens only, as
 * llama.cpp pools over a sequence's tokens in its batch: to embed a text, decode all of
 * its tokens in one call on a fresh (or rewound) session. Attention is causal, as the
 * model was trained. An embeddings session computes no logits — the output projection
 * is skipped, which saves its cost — so llamaswift_session_logits is NULL and
 * llamaswift_sampler_sample fails on it. Works for every family the engine runs.
 * Owned by the session; valid until the next decode, rewind, copy_prefix or free.
 * NULL (and *n_rows = 0) before the first decode, after a rewind, for a session without
 * embeddings, or a NULL/invalid session. n_rows may be NULL. One thread at a time per
 * session; does not set the last error. */
const float *llamaswift_session_embeddings(const llamaswift_session *session, size_t *n_rows);

/* ---------------------------------------------------------------------------------- */
/* Grammars and JSON Schema (since 0.5)                                                 */
/* ---------------------------------------------------------------------------------- */

/* Constrains `sampler` to a GBNF grammar (llama.cpp's grammar format: `name ::= …` rules,
 * alternation `|`, groups, `*` `+` `?` `{m}` `{m,}` `{m,n}`, "literals" and [classes]
 * with escapes \n \r \t \\ \" \xHH \uHHHH \UHHHHHHHH, [^negation], `.`, `#` comments,
 * UTF-8; docs/grammars.md), bound to `model`'s vocabulary: from now on
 * llamaswift_sampler_sample draws only tokens whose text keeps the output a prefix of
 * a sentence of the grammar, starting at rule `root_rule` (NULL = "root"), and advances
 * the grammar past each token it returns.
 * ORDER: step 0 of llamaswift_sampler_create's chain is the logit bias, then the grammar
 * mask — tokens it does not allow get logit -inf (set, not added: no bias, not even
 * +INFINITY, brings back a token the grammar rules out; a token banned by a -INFINITY
 * bias stays banned whatever the grammar allows) — then the penalties and every filter.
 * llama.cpp masks before its chain, whose first step is the bias (its order with
 * grammar_first; its common sampler by default draws first without the grammar and
 * applies it and draws again only when that token does not fit, which gives the same
 * token when greedy); for finite and -INFINITY biases both orders give the same logits.
 * When the grammar's allowed tokens are all banned, sampling fails with
 * INVALID_ARGUMENT. The grammar does not change log-probabilities
 * (llamaswift_sampler_last_logprobs: the model's raw logits).
 * Which tokens: a token is allowed when its text (llamaswift_token_to_piece with control
 * tokens rendered as nothing) is non-empty and keeps the output inside the grammar; it may
 * end inside a UTF-8 character that the grammar can still complete. Control and unknown
 * tokens are never allowed. End-of-generation tokens are allowed exactly when the text so
 * far is a complete sentence; once the grammar can take nothing more they are the only
 * tokens allowed, so generation ends (with no such token in the vocabulary,
 * llamaswift_generate stops with LLAMASWIFT_STOP_GRAMMAR_COMPLETE and
 * llamaswift_sampler_sample fails with INVALID_ARGUMENT).
 * llamaswift_sampler_reset puts the grammar back at its start, and so does
 * llamaswift_generate at the start of each call (the grammar describes the generated
 * text; the prompt is not fed to it). llamaswift_sampler_accept does not advance it (it
 * is the penalty window's); llamaswift_sampler_grammar_accept does.
 * `gbnf` is `len` bytes (need not be NUL-terminated; at most 16 MiB). NULL gbnf removes
 * the grammar. The grammar is copied; model must outlive the sampler's use of it (the
 * sampler keeps its own copy of the vocabulary's token texts, built here: O(vocabulary)).
 * The first masks are built lazily and cached per grammar state; docs/grammars.md gives
 * the cost per token.
 * Errors: INVALID_ARGUMENT (sampler NULL; model NULL with gbnf non-NULL; len over
 * 16 MiB; a grammar error — the message reads "grammar: line L, column C: …" for syntax
 * errors, undefined rules and left recursion; no rule named root_rule). A grammar that
 * no token of the vocabulary can start is accepted here and fails at sampling. On
 * failure the sampler keeps its previous grammar.
 * One thread at a time per sampler. */
llamaswift_status llamaswift_sampler_set_grammar(llamaswift_sampler *sampler, const llamaswift_model *model,
                                                 const char *gbnf, size_t len, const char *root_rule);

/* Constrains `sampler` to JSON text valid against a JSON Schema: converts `schema` (`len`
 * bytes of JSON, at most 16 MiB) as llamaswift_json_schema_to_grammar does, then
 * llamaswift_sampler_set_grammar. An empty schema `{}` allows any JSON value; the
 * schema `{"type": "object"}` any JSON object. NULL schema removes the grammar.
 * Errors: INVALID_ARGUMENT (sampler NULL; model NULL with schema non-NULL; the schema is
 * not valid JSON or not a valid schema), UNSUPPORTED (a keyword or combination the converter does not support:
 * the message names it and its place, e.g. "JSON schema at #/properties/a: keyword
 * 'uniqueItems' is not supported"). On failure the sampler keeps its previous grammar.
 * One thread at a time per sampler. */
llamaswift_status llamaswift_sampler_set_json_schema(llamaswift_sampler *sampler, const llamaswift_model *model,
                                                     const char *schema, size_t len);

/* Advances the sampler's grammar past `token` chosen by the caller (e.g. a forced
 * token) without sampling. Does nothing when the sampler has no grammar.
 * Errors: INVALID_ARGUMENT (sampler NULL; token out of the grammar's vocabulary; the
 * grammar does not allow the token here — the grammar state is then unchanged).
 * One thread at a time per sampler. */
llamaswift_status llamaswift_sampler_grammar_accept(llamaswift_sampler *sampler, int32_t token);

/* Converts a JSON Schema into GBNF grammar text (with a `root` rule) that
 * llamaswift_sampler_set_grammar accepts. Supported keywords: type (a name or an array),
 * properties, required, additionalProperties (false, true or a schema; absent beside
 * properties = no other properties, as llama.cpp), items, prefixItems, minItems,
 * maxItems, enum, const, pattern (literals, escapes, classes, `.`, groups, `|`,
 * quantifiers, ^ and $), minLength, maxLength, format (date, time, date-time, uuid),
 * minimum / maximum / exclusiveMinimum / exclusiveMaximum (integers; numbers: minimum 0
 * only), anyOf, oneOf (as anyOf), allOf (of object schemas), $ref (#, #/$defs/…,
 * #/definitions/…). Annotations (title, description, default, examples, $schema, $id,
 * $comment, deprecated, readOnly, writeOnly) are ignored; any other keyword is an error
 * naming it (docs/grammars.md lists them), never silently dropped.
 * Size then fill: *len receives the grammar's length in bytes (without the NUL); with
 * cap < *len + 1 the call returns BUFFER_TOO_SMALL (buf may be NULL when cap is 0).
 * Errors: INVALID_ARGUMENT (schema NULL, len NULL, len over 16 MiB, bad JSON or schema),
 * UNSUPPORTED (as llamaswift_sampler_set_json_schema), BUFFER_TOO_SMALL. Any thread. */
llamaswift_status llamaswift_json_schema_to_grammar(const char *schema, size_t schema_len, char *buf, size_t cap,
                                                    size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* LLAMASWIFT_H */
