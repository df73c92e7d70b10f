/*
 * fuzz_json_bodies.c — libFuzzer target for the validators behind the control-plane JSON
 * bodies (credentials, catalog, routes, dispatch policy, tariffs, keys): the input is parsed
 * as JSON the way the handlers parse it (duplicates refused) and every member is fed to the
 * validator of the field of that name. The validators must never crash, must agree with
 * themselves, and a value they accept must keep its documented shape. Any breach calls
 * abort(). (POST /v1/messages bodies have their own target, fuzz_message.)
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/credential.h"
#include "core/field_error.h"
#include "core/money.h"
#include "core/scopes.h"
#include "lib/err.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_string(const char *key, const char *s)
{
    int64_t v;
    if (strcmp(key, "unit_price") == 0 || strcmp(key, "amount") == 0) {
        if (money_parse(s, &v) == SH_OK) {
            char buf[MONEY_STR_MAX], *f = money_format(v, buf);
            int64_t back;
            CHECK(money_parse(f, &back) == SH_OK && back == v);
        }
    } else if (strcmp(key, "id") == 0 || strcmp(key, "provider_id") == 0) {
        if (catalog_slug_valid(s))
            CHECK(strlen(s) >= 2 && strlen(s) <= 32);
    } else if (strcmp(key, "country") == 0) {
        if (catalog_country_valid(s))
            CHECK(strlen(s) == 2);
    } else if (strcmp(key, "prefix") == 0) {
        if (catalog_prefix_valid(s))
            CHECK(strspn(s, "0123456789") == strlen(s));
    } else if (strcmp(key, "msg_type") == 0) {
        int t = catalog_msg_type_parse(s);
        CHECK(t >= -1 && t <= 2);
    } else if (strcmp(key, "scopes") == 0 || strcmp(key, "scope") == 0) {
        (void)scope_known(s);
        (void)scopes_has(s, "messages:send");
    } else if (strcmp(key, "currency") == 0) {
        if (money_currency_ok(s))
            CHECK(strlen(s) == 3);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    const char *key;
    json_t *v;
    if (!json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    json_object_foreach(root, key, v)
    {
        if (json_is_string(v)) {
            check_string(key, json_string_value(v));
        } else if (strcmp(key, "secrets") == 0) {
            struct field_errors fe = {0};
            if (cred_secrets_check(v, &fe) == 0) {
                char *names = cred_secret_fields(v);
                CHECK(names != NULL && names[0] == '[');
                free(names);
            }
        } else if (strcmp(key, "capabilities") == 0) {
            (void)catalog_capabilities_valid(v);
        } else if (strcmp(key, "retry_schedule") == 0) {
            int secs[CATALOG_RETRY_MAX];
            int n = catalog_retry_schedule_parse(v, secs);
            CHECK(n == -1 || (n >= 1 && n <= CATALOG_RETRY_MAX));
            for (int i = 0; i < n; i++)
                CHECK(secs[i] >= 1 && secs[i] <= CATALOG_RETRY_MAX_S);
        } else if (strcmp(key, "settings") == 0 && json_is_object(v)) {
            json_t *copy = json_deep_copy(v);
            cred_settings_merge(copy, v); /* a patch onto itself changes nothing but nulls */
            json_decref(copy);
        }
    }
    json_decref(root);
    return 0;
}
