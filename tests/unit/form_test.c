/*
 * form_test.c — lib/form: form-encoded bodies as RFC 6749 clients send them.
 */
#include "lib/arena.h"
#include "lib/err.h"
#include "lib/form.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct form_case {
    const char *body;
    int want;
    const char *name;  /* a field to look up, or NULL */
    const char *value; /* its expected value (NULL: absent) */
};

static const struct form_case cases[] = {
    {"grant_type=password&username=a%40b.c", SH_OK, "username", "a@b.c"},
    {"password=two+words%21", SH_OK, "password", "two words!"},
    {"a=&b", SH_OK, "b", ""},
    {"a=1&&b=2&", SH_OK, "b", "2"},
    {"", SH_OK, "a", NULL},
    {"%41%62=x", SH_OK, "Ab", "x"},
    {"a=%4", SH_EINVAL, NULL, NULL},
    {"a=%zz", SH_EINVAL, NULL, NULL},
    {"a=%00", SH_EINVAL, NULL, NULL},
    {"a=1&a=2", SH_EINVAL, NULL, NULL},
    {"%=1", SH_EINVAL, NULL, NULL},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct form_case *c = &cases[i];
        struct arena a;
        struct form f;
        arena_init(&a);
        int st = form_parse(c->body, strlen(c->body), &a, &f, NULL);
        if (st != c->want)
            fail_msg("\"%s\": got %d, want %d", c->body, st, c->want);
        if (st == SH_OK && c->name != NULL) {
            const char *v = form_get(&f, c->name);
            if (c->value == NULL)
                assert_null(v);
            else
                assert_string_equal(v, c->value);
        }
        arena_release(&a);
    }
}

static void test_too_many(void **state)
{
    (void)state;
    char body[1024] = "";
    struct arena a;
    struct form f;
    for (int i = 0; i <= FORM_MAX_FIELDS; i++) {
        char one[16];
        snprintf(one, sizeof(one), "f%d=1&", i);
        strcat(body, one);
    }
    arena_init(&a);
    assert_int_equal(form_parse(body, strlen(body), &a, &f, NULL), SH_EINVAL);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_too_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
