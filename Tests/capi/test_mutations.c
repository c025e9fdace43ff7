/* Mutation check: random byte mutations and truncations of the real model's header and
 * metadata (everything before the tensor data), each loaded in-process through the C
 * API. Any crash kills this process and fails the test; every load must end in OK or
 * in an error status with a message. Mutated copies are sparse files: the mutated
 * header region is written, the tensor data region is a hole (it reads as zeros,
 * which the loader never validates by value). */
#include "llamaswift.h"
#include "check.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL.gguf HEADER_BYTES ITERATIONS [TMPFILE]\n", argv[0]);
        return 2;
    }
    long header = atol(argv[2]);
    int iterations = atoi(argv[3]);
    const char *tmp = argc > 4 ? argv[4] : "/tmp/llamaswift-mutant.gguf";
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[1]); return 2; }
    unsigned char *orig = malloc((size_t)header), *buf = malloc((size_t)header);
    if (pread(fd, orig, (size_t)header, 0) != header) { perror("read"); return 2; }
    close(fd);

    int counts[16] = {0};
    for (int it = 0; it < iterations; it++) {
        memcpy(buf, orig, (size_t)header);
        off_t size = st.st_size;
        int kind = (int)(next_random() % 4);
        if (kind == 0) { /* truncation anywhere in the file */
            size = (off_t)(next_random() % (uint64_t)st.st_size);
        } else { /* 1 to 16 random bytes; kind 2 biases to the first 64 KiB, kind 3 to 8-byte fields */
            int n = 1 + (int)(next_random() % 16);
            for (int k = 0; k < n; k++) {
                long range = kind == 2 ? (header < 65536 ? header : 65536) : header;
                long at = (long)(next_random() % (uint64_t)range);
                if (kind == 3) {
                    at &= ~7L;
                    uint64_t v = next_random() % 3 == 0 ? UINT64_MAX - (next_random() % 4) : next_random() >> (next_random() % 64);
                    for (int b = 0; b < 8 && at + b < header; b++) buf[at + b] = (unsigned char)(v >> (8 * b));
                } else {
                    buf[at] = (unsigned char)next_random();
                }
            }
        }
        int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out < 0) { perror(tmp); return 2; }
        long w = size < header ? (long)size : header;
        if (write(out, buf, (size_t)w) != w || ftruncate(out, size) != 0) { perror("write"); return 2; }
        close(out);

        llamaswift_model *m = NULL;
        llamaswift_status s = llamaswift_model_load(tmp, NULL, &m);
        counts[s < 16 ? s : 15]++;
        if (s == LLAMASWIFT_OK) {
            CHECK(m != NULL && llamaswift_last_error()[0] == '\0');
            llamaswift_model_info info = {0};
            info.struct_size = sizeof info;
            CHECK_STATUS(llamaswift_model_get_info(m, &info), LLAMASWIFT_OK);
            llamaswift_model_free(m);
        } else {
            CHECK(m == NULL && llamaswift_last_error()[0] != '\0');
        }
    }
    unlink(tmp);
    printf("mutations: %d loads — ok %d, format %d, unsupported %d, io %d, oom %d, other %d\n", iterations,
           counts[0], counts[3], counts[4], counts[2], counts[8],
           iterations - counts[0] - counts[3] - counts[4] - counts[2] - counts[8]);
    free(orig);
    free(buf);
    return check_summary("test_mutations");
}
