/*
 * scopes_test.c — unit tests for core/scopes and the route table: every route's scope is a
 * known scope, every project route (but administrators') names one, scopes_has matches
 * whole words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "api/api.h"
#include "core/scopes.h"

static void test_routes_use_known_scopes(void **state)
{
    (void)state;
    for (const struct route *rt = api_routes; rt->method != NULL; rt++) {
        if (rt->scope != NULL && !scope_known(rt->scope)) {
            fprintf(stderr, "%s %s: unknown scope %s\n", rt->method, rt->pattern, rt->scope);
            fail();
        }
        if ((rt->flags & ROUTE_PROJECT) && !(rt->flags & (ROUTE_ADMIN | ROUTE_USER)) &&
            rt->scope == NULL) {
            fprintf(stderr, "%s %s: a project route without a scope\n", rt->method, rt->pattern);
            fail();
        }
    }
}

static void test_has(void **state)
{
    (void)state;
    assert_true(scopes_has("messages:send messages:read", "messages:read"));
    assert_true(scopes_has("messages:send", "messages:send"));
    assert_false(scopes_has("messages:sendx", "messages:send"));
    assert_false(scopes_has("xmessages:send", "messages:send"));
    assert_false(scopes_has("", "messages:send"));
    assert_false(scopes_has("messages:send", ""));
    assert_true(scope_known("keys:manage"));
    assert_false(scope_known("keys:manage "));
    assert_false(scope_known("admin"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_use_known_scopes),
        cmocka_unit_test(test_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
