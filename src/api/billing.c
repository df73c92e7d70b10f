/*
 * billing.c — prepaid balances (SPEC §7): GET /v1/billing/balance and
 * /v1/billing/transactions for the caller's project, POST /v1/admin/billing/adjust for
 * platform administrators, and POST /v1/billing/webhooks/stripe, the payment top-up webhook
 * (Stripe-Signature checked, idempotent by event id, credited in one transaction).
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "core/field_error.h"
#include "core/money.h"
#include "core/pricecache.h"
#include "core/stripe_sig.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/billing.h"
#include "store/tokens.h"

#include <stdlib.h>
#include <string.h>

#define LEDGER_PAGE 100
#define STRIPE_TOLERANCE_S 300

static int storage_error(struct http_req *r)
{
    http_problem(r, 503, "storage_unavailable", "Service unavailable",
                 "balances cannot be read or written right now", NULL);
    return HTTP_DONE;
}

static json_t *amount_json(int64_t v)
{
    char buf[MONEY_STR_MAX];
    return json_string(money_format(v, buf));
}

int api_billing_balance(struct http_req *r)
{
    struct store_balance b;
    int st = store_balance_get(r->api->store, r->principal.project_id, &b);
    if (st == SH_ENOTFOUND) {
        http_reply_json(r, 200, json_pack("{s:n, s:s, s:b}", "currency", "amount", "0.00",
                                          "prepaid", 0));
        return HTTP_DONE;
    }
    if (st != SH_OK)
        return storage_error(r);
    http_reply_json(r, 200, json_pack("{s:s, s:o, s:b, s:o}", "currency", b.currency, "amount",
                                      amount_json(b.amount), "prepaid", b.prepaid,
                                      "low_balance_threshold",
                                      b.low_threshold >= 0 ? amount_json(b.low_threshold)
                                                           : json_null()));
    return HTTP_DONE;
}

static json_t *opt_str(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

int api_billing_transactions(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_rows rows;
    const char *cursor = http_query(r, "cursor"), *v;
    int limit = LEDGER_PAGE;

    if (cursor != NULL && !id_valid("led", cursor))
        field_error_add(&fe, "cursor", "invalid", "use next_cursor from the previous page");
    if ((v = http_query(r, "limit")) != NULL) {
        char *end;
        long l = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || l < 1 || l > LEDGER_PAGE)
            field_error_add(&fe, "limit", "out_of_range", "limit must be 1-100");
        else
            limit = (int)l;
    }
    if (fe.n > 0) {
        http_problem(r, 400, "invalid_query", "Invalid query", NULL, &fe);
        return HTTP_DONE;
    }
    if (store_ledger_list(r->api->store, r->principal.project_id, cursor, limit, &r->arena,
                          &rows) != SH_OK)
        return storage_error(r);
    json_t *data = json_array();
    for (size_t i = 0; i < rows.n; i++) {
        char at[40];
        json_array_append_new(
            data, json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "id",
                            store_cell(&rows, i, 0), "at",
                            clock_fmt_rfc3339(store_cell_int(&rows, i, 1), at, sizeof(at)), "kind",
                            store_cell(&rows, i, 2), "amount",
                            amount_json(store_cell_int(&rows, i, 3)), "balance_after",
                            amount_json(store_cell_int(&rows, i, 4)), "currency",
                            store_cell(&rows, i, 5), "reason", opt_str(store_cell(&rows, i, 6)),
                            "reference", opt_str(store_cell(&rows, i, 7)), "actor",
                            opt_str(store_cell(&rows, i, 8)), "message_id",
                            opt_str(store_cell(&rows, i, 9))));
    }
    http_reply_json(r, 200,
                    json_pack("{s:o, s:o}", "data", data, "next_cursor",
                              rows.n == (size_t)limit ? json_string(store_cell(&rows, rows.n - 1, 0))
                                                      : json_null()));
    return HTTP_DONE;
}

/* Explains a refused change: not enough money (with the amounts) or another currency. */
static int refused(struct http_req *r, const char *project_id, int64_t amount,
                   const char *currency)
{
    struct store_balance b;
    if (store_balance_get(r->api->store, project_id, &b) == SH_OK &&
        strcmp(b.currency, currency) != 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "the balance is kept in %s", b.currency);
        http_problem(r, 409, "currency_mismatch", "Currency mismatch", detail, NULL);
        return HTTP_DONE;
    }
    char need[MONEY_STR_MAX], have[MONEY_STR_MAX], detail[160];
    snprintf(detail, sizeof(detail), "needs %s %s, the balance is %s %s",
             money_format(-amount, need), currency, money_format(b.amount, have), currency);
    http_problem(r, 409, "insufficient_balance", "Insufficient balance", detail, NULL);
    return HTTP_DONE;
}

int api_billing_adjust(struct http_req *r)
{
    struct field_errors fe = {0};
    struct ledger_change c = {0};
    struct audit_entry e;
    char id[ID_MAX], actor[64];
    int64_t after = 0;
    json_t *o = api_json_object(r);

    if (o == NULL)
        return HTTP_DONE;
    c.project_id = json_string_value(json_object_get(o, "project_id"));
    c.currency = json_string_value(json_object_get(o, "currency"));
    c.reason = json_string_value(json_object_get(o, "reason"));
    c.reference = json_string_value(json_object_get(o, "reference"));
    const char *amount = json_string_value(json_object_get(o, "amount"));
    if (c.project_id == NULL || strlen(c.project_id) > 47)
        field_error_add(&fe, "project_id", "required", "the project to adjust");
    if (amount == NULL || money_parse(amount, &c.amount) != SH_OK || c.amount == 0)
        field_error_add(&fe, "amount", "invalid",
                        "a non-zero decimal string, negative to take money off, e.g. \"-5.00\"");
    if (!money_currency_ok(c.currency))
        field_error_add(&fe, "currency", "invalid", "an ISO 4217 code in upper case");
    if (c.reason == NULL || *c.reason == '\0' || strlen(c.reason) > 500)
        field_error_add(&fe, "reason", "required", "why (1-500 characters); it is kept");
    if (c.reference != NULL && (*c.reference == '\0' || strlen(c.reference) > 200))
        field_error_add(&fe, "reference", "invalid", "1-200 characters");
    if (fe.n == 0 && store_project_live(r->api->store, c.project_id) == SH_ENOTFOUND)
        field_error_add(&fe, "project_id", "not_found", "no such project");
    if (fe.n > 0) {
        json_decref(o);
        http_problem(r, 422, "invalid_adjustment", "Invalid adjustment", NULL, &fe);
        return HTTP_DONE;
    }
    c.id = id_new("led", clock_now_ms(), id, sizeof(id));
    c.kind = "adjustment";
    c.at = clock_now_ms();
    snprintf(actor, sizeof(actor), "user:%s", r->principal.user_id);
    c.actor = actor;
    api_audit_actor(r, &e);
    e.project_id = c.project_id;
    e.action = "balance.adjust";
    e.object_type = "balance";
    e.object_id = c.project_id;
    e.after_json = arena_printf(&r->arena, "{\"amount\":\"%s\",\"currency\":\"%s\"}", amount,
                                c.currency);
    int st = store_ledger_apply(r->api->store, &c, &e, &after);
    if (st == SH_ENOTFOUND) {
        st = refused(r, c.project_id, c.amount, c.currency);
    } else if (st == SH_EEXIST) {
        http_problem(r, 409, "duplicate_reference", "Duplicate reference",
                     "an adjustment with this reference was already applied", NULL);
        st = HTTP_DONE;
    } else if (st != SH_OK) {
        st = storage_error(r);
    } else {
        http_reply_json(r, 201, json_pack("{s:s, s:s, s:o, s:o, s:s}", "id", c.id, "project_id",
                                          c.project_id, "amount", amount_json(c.amount),
                                          "balance_after", amount_json(after), "currency",
                                          c.currency));
        st = HTTP_DONE;
    }
    json_decref(o);
    return st;
}

/* The credit a Stripe event carries: its project, amount and currency (0 when not a top-up). */
static int stripe_credit(json_t *ev, const char **project, json_int_t *minor, const char **cur)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *obj = json_object_get(json_object_get(ev, "data"), "object");
    const char *amount_key = NULL;
    if (type == NULL || !json_is_object(obj))
        return 0;
    if (strcmp(type, "checkout.session.completed") == 0)
        amount_key = "amount_total";
    else if (strcmp(type, "payment_intent.succeeded") == 0)
        amount_key = "amount_received";
    else
        return 0;
    *project = json_string_value(json_object_get(json_object_get(obj, "metadata"), "project_id"));
    *minor = json_integer_value(json_object_get(obj, amount_key));
    *cur = json_string_value(json_object_get(obj, "currency"));
    return 1;
}

int api_billing_stripe(struct http_req *r)
{
    struct stripe_sig sig;
    struct ledger_change c = {0};
    const char *project = NULL, *cur = NULL;
    json_int_t minor = 0;
    char id[ID_MAX], currency[4] = "";

    if (r->api->stripe_secret == NULL) {
        http_problem(r, 404, "not_found", "Not found", "payments are not configured", NULL);
        return HTTP_DONE;
    }
    if (stripe_sig_parse(http_req_header(r, "Stripe-Signature"), &sig) != SH_OK) {
        http_problem(r, 400, "invalid_signature", "Invalid signature",
                     "the Stripe-Signature header is missing or malformed", NULL);
        return HTTP_DONE;
    }
    int st = stripe_sig_verify(&sig, r->api->stripe_secret, r->body ? r->body : "", r->body_len,
                               clock_now_ms() / 1000, STRIPE_TOLERANCE_S);
    if (st != SH_OK) {
        http_problem(r, 400, "invalid_signature", "Invalid signature",
                     st == SH_ETIMEDOUT ? "the signature's timestamp is outside the tolerance"
                                        : "the signature does not match",
                     NULL);
        return HTTP_DONE;
    }
    json_t *ev = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
    const char *evid = json_string_value(json_object_get(ev, "id"));
    if (!json_is_object(ev) || evid == NULL || strlen(evid) > 200) {
        json_decref(ev);
        http_problem(r, 400, "invalid_event", "Invalid event", "not a Stripe event", NULL);
        return HTTP_DONE;
    }
    if (!stripe_credit(ev, &project, &minor, &cur)) {
        json_decref(ev);
        http_reply_json(r, 200, json_pack("{s:b, s:s}", "received", 1, "ignored", "event type"));
        return HTTP_DONE;
    }
    for (int i = 0; i < 3 && cur != NULL && cur[i] != '\0'; i++)
        currency[i] = (char)(cur[i] >= 'a' && cur[i] <= 'z' ? cur[i] - 32 : cur[i]);
    if (project == NULL || strlen(project) > 47 || minor <= 0 || !money_currency_ok(currency) ||
        stripe_minor_to_micro(minor, currency, &c.amount) != SH_OK ||
        store_project_live(r->api->store, project) != SH_OK) {
        LOG_WARNF(r->api->log, "stripe event %.64s: no project, amount or currency to credit",
                  evid);
        json_decref(ev);
        http_reply_json(r, 200, json_pack("{s:b, s:s}", "received", 1, "ignored",
                                          "no project, amount or currency to credit"));
        return HTTP_DONE;
    }
    c.id = id_new("led", clock_now_ms(), id, sizeof(id));
    c.project_id = project;
    c.kind = "credit";
    c.currency = currency;
    c.reason = "top-up";
    c.reference = evid;
    c.actor = "stripe";
    c.payment_event_id = evid;
    c.at = clock_now_ms();
    st = store_ledger_apply(r->api->store, &c, NULL, NULL);
    json_decref(ev);
    if (st == SH_EEXIST) {
        http_reply_json(r, 200, json_pack("{s:b, s:b}", "received", 1, "duplicate", 1));
        return HTTP_DONE;
    }
    if (st == SH_ENOTFOUND) {
        http_problem(r, 409, "currency_mismatch", "Currency mismatch",
                     "the project's balance is kept in another currency", NULL);
        return HTTP_DONE;
    }
    if (st != SH_OK)
        return storage_error(r); /* 503: Stripe retries */
    http_reply_json(r, 200, json_pack("{s:b}", "received", 1));
    return HTTP_DONE;
}

/* The settings body's threshold: absent or null = none (-1), else a non-negative amount. */
static int parse_threshold(json_t *v, int64_t *out)
{
    if (v == NULL || json_is_null(v)) {
        *out = -1;
        return 1;
    }
    return json_is_string(v) && money_parse(json_string_value(v), out) == SH_OK && *out >= 0;
}

/* An optional string member: absent or null → *out NULL (1); a string passing ok → 1. */
static int opt_text(json_t *o, const char *name, int (*ok)(const char *), const char **out)
{
    json_t *v = json_object_get(o, name);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 1;
    *out = json_string_value(v);
    return *out != NULL && ok(*out);
}

static int url_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > 2000 || !(strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 0;
    return n > 8;
}

static int email_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || strchr("<>()[],;:\\\"", s[i]) != NULL)
            return 0;
    return 1;
}

static json_t *settings_json(const struct billing_settings *b)
{
    return json_pack("{s:s, s:b, s:s, s:o, s:o, s:o}", "project_id", b->project_id, "prepaid",
                     b->prepaid, "currency", b->currency, "low_balance_threshold",
                     b->low_threshold >= 0 ? amount_json(b->low_threshold) : json_null(),
                     "low_balance_webhook_url", opt_str(b->alert_url),
                     "low_balance_email", opt_str(b->alert_email));
}

int api_billing_settings(struct http_req *r)
{
    struct field_errors fe = {0};
    struct audit_entry e;
    struct store_balance bal;
    struct billing_settings b = {0};
    json_t *o = api_json_object(r);

    if (o == NULL)
        return HTTP_DONE;
    b.project_id = json_string_value(json_object_get(o, "project_id"));
    b.currency = json_string_value(json_object_get(o, "currency"));
    json_t *prepaid = json_object_get(o, "prepaid");
    if (b.project_id == NULL || strlen(b.project_id) > 47)
        field_error_add(&fe, "project_id", "required", "the project to configure");
    if (!json_is_boolean(prepaid))
        field_error_add(&fe, "prepaid", "required", "true or false");
    if (!parse_threshold(json_object_get(o, "low_balance_threshold"), &b.low_threshold))
        field_error_add(&fe, "low_balance_threshold", "invalid",
                        "a non-negative decimal string (e.g. \"5.00\") or null for none");
    if (!opt_text(o, "low_balance_webhook_url", url_ok, &b.alert_url))
        field_error_add(&fe, "low_balance_webhook_url", "invalid_url",
                        "an http(s) URL of at most 2000 characters, or null");
    if (!opt_text(o, "low_balance_email", email_ok, &b.alert_email))
        field_error_add(&fe, "low_balance_email", "invalid", "an e-mail address, or null");
    if (fe.n == 0 && store_project_live(r->api->store, b.project_id) == SH_ENOTFOUND)
        field_error_add(&fe, "project_id", "not_found", "no such project");
    int has = fe.n == 0 ? store_balance_get(r->api->store, b.project_id, &bal) : SH_ENOTFOUND;
    if (fe.n == 0 && has != SH_OK && has != SH_ENOTFOUND) {
        json_decref(o);
        return storage_error(r);
    }
    if (has == SH_OK && b.currency != NULL && strcmp(b.currency, bal.currency) != 0)
        field_error_add(&fe, "currency", "currency_mismatch",
                        "the project's balance is kept in another currency");
    else if (has != SH_OK && !money_currency_ok(b.currency))
        field_error_add(&fe, "currency", "invalid",
                        "an ISO 4217 code in upper case (the project has no balance yet)");
    if (fe.n > 0) {
        json_decref(o);
        http_problem(r, 422, "invalid_settings", "Invalid billing settings", NULL, &fe);
        return HTTP_DONE;
    }
    if (has == SH_OK)
        b.currency = bal.currency;
    b.prepaid = json_is_true(prepaid);
    b.now = clock_now_ms();
    json_t *after = settings_json(&b);
    char *after_text = json_dumps(after, JSON_COMPACT);
    api_audit_actor(r, &e);
    e.project_id = b.project_id;
    e.action = "billing.settings";
    e.object_type = "balance";
    e.object_id = b.project_id;
    e.after_json = after_text;
    int st = store_billing_settings_set(r->api->store, &b, &e);
    free(after_text);
    if (st != SH_OK) {
        json_decref(after);
        json_decref(o);
        return storage_error(r);
    }
    if (r->api->prices != NULL)
        pricecache_invalidate(r->api->prices);
    http_reply_json(r, 200, after);
    json_decref(o);
    return HTTP_DONE;
}
