/*
 * playmobile.c — PlayMobile "broker-api" (smsxabar.uz) dialect (CONTRACTS.md §4).
 *
 * Send: JSON POST {base}/send with HTTP Basic; `message-id` is ours (the hub's message id),
 * unique per message and the only handle for later status, so pmid = our id and a resend of
 * the same message is deduplicated by PlayMobile. 2xx = accepted (body ignored); 400 carries
 * {"error-code","error-description"}: 100 is transient, everything else permanent (102 also
 * means the account is locked). Status and DLR formats are UNVERIFIED: polling
 * ({base}/get-status) is off unless `dlr_poll` is set, and callbacks use the configurable
 * field mapping (defaults `message-id` / `status`). No balance endpoint is known.
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct playmobile {
    json_t *root;
    const char *base_url, *login, *password, *from;
    int dlr_poll, id_max;
    struct du_fieldmap map;
};

/* Status words one third-party client reads from get-status (UNVERIFIED). */
static const struct du_map pm_status_map[] = {
    {"delivered", PROVIDER_DLR_DELIVERED},
    {"transmitted", PROVIDER_DLR_SENT},
    {"notDelivered", PROVIDER_DLR_UNDELIVERED},
    {"failed", PROVIDER_DLR_FAILED},
    {"deferred", PROVIDER_DLR_SENT},
    {NULL, 0},
};

static void pm_free(void *p)
{
    struct playmobile *c = p;
    if (c == NULL)
        return;
    json_decref(c->root);
    free(c);
}

static int pm_new(const char *json, char *err, size_t errcap, void **out)
{
    static const struct du_fieldmap def = {.id = "message-id", .status = "status"};
    struct playmobile *c = xcalloc(1, sizeof(*c));
    int st = SH_EINVAL;
    c->root = du_cfg_parse(json, err, errcap);
    if (c->root == NULL)
        goto out;
    if (du_cfg_need(c->root, "base_url", err, errcap, &c->base_url) != SH_OK ||
        du_cfg_need(c->root, "login", err, errcap, &c->login) != SH_OK ||
        du_cfg_need(c->root, "password", err, errcap, &c->password) != SH_OK)
        goto out;
    c->from = du_cfg_str(c->root, "from", NULL);
    c->dlr_poll = du_cfg_bool(c->root, "dlr_poll", 0);
    if (du_cfg_int(c->root, "message_id_max_len", 40, 8, 64, &c->id_max) != SH_OK) {
        snprintf(err, errcap, "message_id_max_len: an integer 8..64");
        goto out;
    }
    if (du_fieldmap_read(c->root, &def, &c->map, err, errcap) != SH_OK)
        goto out;
    *out = c;
    c = NULL;
    st = SH_OK;
out:
    pm_free(c);
    return st;
}

static unsigned pm_caps(const void *cfg)
{
    const struct playmobile *c = cfg;
    return DIALECT_CAP_DLR_PUSH | (c->dlr_poll ? DIALECT_CAP_POLL : 0);
}

/* Our message id as PlayMobile's message-id: the last id_max characters (the time part of our
 * ids comes first, the random part last), in a. */
static const char *pm_id(const struct playmobile *c, const char *id, struct arena *a)
{
    size_t n = strlen(id != NULL ? id : "");
    return arena_strdup(a, n > (size_t)c->id_max ? id + n - c->id_max : (id ? id : ""));
}

static int pm_build_send(const void *cfg, const struct dialect_token *tok,
                         const struct provider_msg *m, int64_t now_ms, struct arena *a,
                         struct dialect_req *out)
{
    const struct playmobile *c = cfg;
    (void)tok;
    (void)now_ms;
    const char *from = m->from != NULL && *m->from != '\0' ? m->from : c->from;
    json_t *msg =
        json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "recipient", du_digits(a, m->to), "message-id",
                  pm_id(c, m->id, a), "sms", "originator", from != NULL ? from : "", "content",
                  "text", m->body != NULL ? m->body : "");
    json_t *root = json_pack("{s:[o]}", "messages", msg);
    size_t n;
    char *body = du_json_dump(a, root, &n);
    json_decref(root);
    du_req(out, "POST", arena_printf(a, "%s/send", c->base_url));
    du_req_header(out, "Authorization", du_basic_auth(a, c->login, c->password));
    du_req_body(out, "application/json", body, n);
    return SH_OK;
}

static int pm_parse_send(const void *cfg, const struct provider_msg *m,
                         const struct dialect_resp *in, struct provider_result *out)
{
    const struct playmobile *c = cfg;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    if (in->status >= 200 && in->status < 300) {
        out->outcome = PROVIDER_ACCEPTED;
        du_copy(out->pmid, sizeof(out->pmid), pm_id(c, m->id, &a));
        goto out;
    }
    json_t *code = json_object_get(j, "error-code");
    if (in->status != 400 || !json_is_integer(code)) {
        du_result_http(out, in->status);
        goto out;
    }
    long long ec = json_integer_value(code);
    char cs[24];
    snprintf(cs, sizeof(cs), "%lld", ec);
    const char *text = json_string_value(json_object_get(j, "error-description"));
    du_result(out, ec == 100 ? PROVIDER_TEMP_FAIL : PROVIDER_REJECTED, cs, text);
    if (ec == 102)
        out->alert = PROVIDER_ALERT_ACCOUNT;
out:
    json_decref(j);
    arena_release(&a);
    return SH_OK;
}

static int pm_build_poll(const void *cfg, const struct dialect_token *tok, const char *pmid,
                         struct arena *a, struct dialect_req *out)
{
    const struct playmobile *c = cfg;
    (void)tok;
    if (!c->dlr_poll)
        return SH_ENOTFOUND;
    json_t *root = json_pack("{s:[s]}", "message-id", pmid);
    size_t n;
    char *body = du_json_dump(a, root, &n);
    json_decref(root);
    du_req(out, "POST", arena_printf(a, "%s/get-status", c->base_url));
    du_req_header(out, "Authorization", du_basic_auth(a, c->login, c->password));
    du_req_body(out, "application/json", body, n);
    return SH_OK;
}

static int pm_parse_poll(const void *cfg, const char *pmid, const struct dialect_resp *in,
                         struct arena *a, struct provider_report *out)
{
    (void)cfg;
    int st = SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    out->pmid = arena_strdup(a, pmid);
    /* UNVERIFIED shape: {"status":…} or {"messages":[{"message-id":…,"status":…}]} */
    const char *s = json_string_value(json_object_get(j, "status"));
    if (s == NULL)
        s = json_string_value(du_json_pointer(j, "/messages/0/status"));
    int d = du_map_status(pm_status_map, s);
    if (in->status != 200 || d < 0)
        goto out;
    out->status = (enum provider_dlr)d;
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int pm_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                             struct arena *a, struct dialect_callback *out)
{
    const struct playmobile *c = cfg;
    (void)now_ms;
    return du_fieldmap_callback(&c->map, pm_status_map, in, a, out);
}

const struct dialect dialect_playmobile = {
    .name = "playmobile",
    .caps = DIALECT_CAP_POLL | DIALECT_CAP_DLR_PUSH,
    .config_new = pm_new,
    .config_free = pm_free,
    .config_caps = pm_caps,
    .build_send = pm_build_send,
    .parse_send = pm_parse_send,
    .build_poll = pm_build_poll,
    .parse_poll = pm_parse_poll,
    .parse_callback = pm_parse_callback,
};
