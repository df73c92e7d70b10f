/*
 * http_util.h — helpers shared by the HTTP dialect unit tests (header-only, static).
 */
#ifndef SH_TEST_HTTP_UTIL_H
#define SH_TEST_HTTP_UTIL_H

#include "lib/arena.h"
#include "lib/err.h"
#include "providers/http/dialect.h"
#include "providers/http/dutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Opens dialect name with cfg; fails the test when it does not open. */
static inline void *tu_open(const char *name, const char *cfg)
{
    const struct dialect *d = dialect_find(name);
    char err[160] = "";
    void *c = NULL;
    assert_non_null(d);
    if (d->config_new(cfg, err, sizeof(err), &c) != SH_OK)
        fail_msg("%s: config %s refused: %s", name, cfg, err);
    return c;
}

static inline struct dialect_resp tu_resp(int status, const char *body)
{
    struct dialect_resp r = {
        .status = status, .body = body, .body_len = body != NULL ? strlen(body) : 0};
    return r;
}

static inline const char *tu_req_header(const struct dialect_req *r, const char *name)
{
    return du_header(r->header, r->nheader, name);
}

#define TU_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
