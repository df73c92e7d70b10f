/*
 * store.c — backend selection by URL scheme and the thin store_* wrappers.
 *
 * The registry below is the only place that knows which backends exist.
 */
#include "store/store.h"
#include "lib/err.h"

#include <string.h>

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

static const struct store_ops *const backends[] = {
    &store_sqlite_ops,
    &store_pg_ops,
};

int store_open(const char *url, const struct store_cfg *cfg, struct store **out)
{
    size_t n = sizeof(backends) / sizeof(backends[0]);
    const char *colon = strchr(url, ':');

    if (colon == NULL || strchr(url, '/') < colon)
        return store_sqlite_ops.open(url, cfg, out); /* a bare path */
    if (strncmp(url, "postgresql://", 13) == 0)
        return store_pg_ops.open(url, cfg, out); /* libpq's other spelling */
    for (size_t i = 0; i < n; i++) {
        size_t sl = strlen(backends[i]->scheme);
        if ((size_t)(colon - url) == sl && strncmp(url, backends[i]->scheme, sl) == 0)
            return backends[i]->open(url, cfg, out);
    }
    return SH_EINVAL;
}

void store_close(struct store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

int store_migrate(struct store *s, int *applied)
{
    return s->ops->migrate(s, applied);
}

int store_schema_version(struct store *s, int *version)
{
    return s->ops->schema_version(s, version);
}

int store_ping(struct store *s)
{
    return s->ops->ping(s);
}

int store_bootstrap(struct store *s, const struct store_bootstrap *b)
{
    return s->ops->bootstrap(s, b);
}

int store_api_key_find(struct store *s, const unsigned char hash[32], struct store_api_key *out)
{
    return s->ops->api_key_find(s, hash, out);
}

int store_credentials_load(struct store *s, struct arena *a, struct store_credential **out,
                           size_t *n)
{
    return s->ops->credentials_load(s, a, out, n);
}

int store_accept(struct store *s, struct store_accept *req, size_t n, store_done_cb cb, void *arg)
{
    return s->ops->accept(s, req, n, cb, arg);
}

int store_claim(struct store *s, struct store_claim *c, store_done_cb cb, void *arg)
{
    return s->ops->claim(s, c, cb, arg);
}

int store_update(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg)
{
    return s->ops->update(s, u, n, cb, arg);
}

int store_recover(struct store *s, const char *owner, int64_t now, size_t *in_doubt)
{
    return s->ops->recover(s, owner, now, in_doubt);
}

int store_purge_idempotency(struct store *s, int64_t older_than, size_t *purged)
{
    return s->ops->purge_idempotency(s, older_than, purged);
}

int store_message_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                      struct store_message *out)
{
    return s->ops->message_get(s, project_id, id, a, out);
}

int store_message_events(struct store *s, const char *id, struct arena *a, struct store_event **out,
                         size_t *n)
{
    return s->ops->message_events(s, id, a, out, n);
}

int store_message_list(struct store *s, const struct store_message_filter *f, struct arena *a,
                       struct store_message **out, size_t *n)
{
    return s->ops->message_list(s, f, a, out, n);
}

int store_count_due(struct store *s, int64_t *n)
{
    return s->ops->count_due(s, n);
}
