/* ABI check: the sizes of the public structs are recorded here; a change without a
 * version bump fails this test (append fields only, and bump LLAMASWIFT_VERSION_MINOR). */
#include "llamaswift.h"
#include "check.h"

int main(void) {
#if LLAMASWIFT_VERSION_MAJOR == 0 && LLAMASWIFT_VERSION_MINOR == 2
    /* 0.2: llamaswift_sampler_params gained temperature_order (48 → 56 bytes); the
     * fields before it are where 0.1 had them. */
    CHECK(offsetof(llamaswift_sampler_params, seed) == 40);
    CHECK(offsetof(llamaswift_sampler_params, temperature_order) == 48);
    CHECK(sizeof(llamaswift_model_params) == 8);
    CHECK(sizeof(llamaswift_model_info) == 88);
    CHECK(sizeof(llamaswift_session_params) == 40);
    CHECK(sizeof(llamaswift_sampler_params) == 56);
    CHECK(sizeof(llamaswift_generate_params) == 40);
    CHECK(sizeof(llamaswift_generate_result) == 56);
    CHECK(sizeof(llamaswift_chat_message) == 2 * sizeof(void *));
    CHECK(LLAMASWIFT_OK == 0 && LLAMASWIFT_ERR_INTERNAL == 9);
#else
#error "record the struct sizes of this version"
#endif
    return check_summary("test_abi");
}
