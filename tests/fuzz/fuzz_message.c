/*
 * fuzz_message.c — libFuzzer target for the POST /v1/messages body: the bytes go through
 * the same steps as the API (jansson with duplicate keys refused, then msg_request_parse and
 * msg_request_hash). Checks the contract: valid output has an E.164 `to`, a body, 1..10
 * segments and a priority matching the type; invalid output reports at least one error.
 */
#include "core/message.h"
#include "core/phone.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    phone_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    struct msg_limits lim;
    struct store_message m;
    struct field_errors fe = {0};
    struct arena a;
    unsigned char h[32];

    if (root == NULL)
        return 0;
    if (!json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    msg_limits_default(&lim);
    arena_init(&a);
    int n = msg_request_parse(root, &lim, 1795000000000LL, "prj_fuzz", &a, &m, &fe);
    if (n == 0) {
        if (m.to == NULL || m.to[0] != '+' || m.body == NULL || m.segments < 1 ||
            m.segments > lim.max_segments || m.priority != m.msg_type)
            abort();
    } else if (fe.n == 0 || n != fe.n) {
        abort();
    }
    msg_request_hash(root, h);
    arena_release(&a);
    json_decref(root);
    return 0;
}
