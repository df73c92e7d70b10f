/*
 * identity.h — what the identity endpoints share (api/oauth.c, users.c, projects.c,
 * reset.c, audit_api.c): token lifetimes, the in-memory throttles, the mailer, and small
 * helpers for JSON bodies, store errors and audit entries. `struct identity` is built by the
 * daemon and borrowed through api->identity.
 */
#ifndef SH_API_IDENTITY_H
#define SH_API_IDENTITY_H

#include "api/http.h"

#include <jansson.h>
#include <stdint.h>

struct throttle;
struct mailer;
struct audit_entry;
struct store_step;

struct identity_cfg {
    int access_ttl_s;      /* default 900 */
    int refresh_ttl_s;     /* default 30 days */
    const char *smtp_url;  /* NULL/"": no mail (reset and verify answer as usual, send nothing) */
    const char *smtp_from; /* sender address */
};

#define LOGIN_MAX_FAILURES 10
#define LOGIN_WINDOW_MS (15 * 60 * 1000)
#define RESET_MAX_PER_ADDRESS 3
#define RESET_MAX_PER_IP 20
#define RESET_WINDOW_MS (60 * 60 * 1000)
#define EMAIL_TOKEN_TTL_MS (60 * 60 * 1000)

struct identity {
    int access_ttl_s, refresh_ttl_s;
    struct throttle *login_email, *login_ip; /* failed password grants */
    struct throttle *reset_email, *reset_ip; /* reset / verification mails requested */
    struct mailer *mailer;
};

/* Returns new (identity_free). log borrowed for the identity's life. */
struct identity *identity_new(const struct identity_cfg *cfg, const struct log *log);
void identity_free(struct identity *id);

/* Answers a store failure: SH_ENOTFOUND 404 "not_found", SH_EEXIST 409 "conflict", SH_EFULL
 * and others 503. Returns HTTP_DONE. */
int ident_store_error(struct http_req *r, int st, const char *what);

/* NULL when e looks like an e-mail address (1..254 bytes, one '@' with text on both sides,
 * no spaces or control characters), else a short reason. */
const char *ident_email_problem(const char *e);

/* Serialises j (taken) compactly into r's arena; NULL for NULL. */
const char *ident_json_text(struct http_req *r, json_t *j);

/* ms → RFC 3339 JSON string, or JSON null for 0/NULL text cells. */
json_t *ident_time(const char *cell);

/* The ?limit= of r within 1..max (default def); -1 after answering 400. */
int ident_limit(struct http_req *r, int def, int max);

struct store_rows;

/* The ?cursor= of r (an id from next_cursor) in *out, NULL when absent. Returns -1 after
 * answering 400 naming "cursor" when it is not id-shaped (1-64 of [A-Za-z0-9_-]). */
int ident_cursor(struct http_req *r, const char **out);

/* Answers 200 {data, next_cursor} from rows read with limit + 1 (the extra row says another
 * page exists), each row serialised by row_json. */
void ident_page(struct http_req *r, const struct store_rows *rows, int limit,
                json_t *(*row_json)(const struct store_rows *rows, size_t i));

/* 1 when role is one of owner, admin, member, viewer. */
int ident_role_valid(const char *role);

#endif
