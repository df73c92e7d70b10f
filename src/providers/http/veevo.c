/*
 * veevo.c — Veevo Tech (Pakistan) dialect (CONTRACTS.md §5).
 *
 * Send: v3 JSON POST {base}/v3/sendsms {hash, receivernum (+E.164), sendernum, textmessage}, or
 * with `api: "legacy"` a form POST to {base}/sendsms (note `receivenum`). The answer is JSON
 * {"STATUS":"SUCCESSFUL"|"ERROR", "ERROR_CODE", "ERROR_DESCRIPTION"}. The message-id field,
 * status/DLR API and balance API are UNVERIFIED: `id_field` names the answer field to read the
 * provider id from (default none: pmid = our id) and callbacks use the configurable field
 * mapping (off until `dlr_id_field` and `dlr_status_field` are set).
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct veevo {
    json_t *root;
    const char *hash, *base_url, *from, *id_field;
    int legacy;
    struct du_fieldmap map;
};

static void vv_free(void *p)
{
    struct veevo *v = p;
    if (v == NULL)
        return;
    json_decref(v->root);
    free(v);
}

static int vv_new(const char *json, char *err, size_t errcap, void **out)
{
    struct veevo *v = xcalloc(1, sizeof(*v));
    int st = SH_EINVAL;
    v->root = du_cfg_parse(json, err, errcap);
    if (v->root == NULL)
        goto out;
    if (du_cfg_need(v->root, "hash", err, errcap, &v->hash) != SH_OK)
        goto out;
    v->base_url = du_cfg_str(v->root, "base_url", "https://api.veevotech.com");
    v->from = du_cfg_str(v->root, "from", "Default");
    v->id_field = du_cfg_str(v->root, "id_field", NULL);
    const char *api = du_cfg_str(v->root, "api", "v3");
    if (strcmp(api, "v3") != 0 && strcmp(api, "legacy") != 0) {
        snprintf(err, errcap, "api: v3 or legacy");
        goto out;
    }
    v->legacy = strcmp(api, "legacy") == 0;
    if (du_fieldmap_read(v->root, NULL, &v->map, err, errcap) != SH_OK)
        goto out;
    *out = v;
    v = NULL;
    st = SH_OK;
out:
    vv_free(v);
    return st;
}

static unsigned vv_caps(const void *cfg)
{
    const struct veevo *v = cfg;
    return v->map.id != NULL && v->map.status != NULL ? DIALECT_CAP_DLR_PUSH : 0;
}

static int vv_build_send(const void *cfg, const struct dialect_token *tok,
                         const struct provider_msg *m, int64_t now_ms, struct arena *a,
                         struct dialect_req *out)
{
    const struct veevo *v = cfg;
    (void)tok;
    (void)now_ms;
    const char *from = m->from != NULL && *m->from != '\0' ? m->from : v->from;
    size_t n;
    char *body;
    if (v->legacy) {
        struct dbuf b = {0};
        dbuf_form_field(&b, "hash", v->hash);
        dbuf_form_field(&b, "receivenum", m->to);
        dbuf_form_field(&b, "sendernum", from);
        dbuf_form_field(&b, "textmessage", m->body);
        body = dbuf_finish(&b, a, &n);
        du_req(out, "POST", arena_printf(a, "%s/sendsms", v->base_url));
        du_req_body(out, "application/x-www-form-urlencoded", body, n);
        return SH_OK;
    }
    json_t *root = json_pack("{s:s, s:s, s:s, s:s}", "hash", v->hash, "receivernum",
                             m->to != NULL ? m->to : "", "sendernum", from, "textmessage",
                             m->body != NULL ? m->body : "");
    body = du_json_dump(a, root, &n);
    json_decref(root);
    du_req(out, "POST", arena_printf(a, "%s/v3/sendsms", v->base_url));
    du_req_header(out, "Accept", "application/json");
    du_req_body(out, "application/json", body, n);
    return SH_OK;
}

static int vv_parse_send(const void *cfg, const struct provider_msg *m,
                         const struct dialect_resp *in, struct provider_result *out)
{
    const struct veevo *v = cfg;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    if (du_result_http(out, in->status))
        goto out;
    const char *s = json_string_value(json_object_get(j, "STATUS"));
    if (s != NULL && strcmp(s, "SUCCESSFUL") == 0) {
        out->outcome = PROVIDER_ACCEPTED;
        const char *id =
            v->id_field != NULL ? du_json_text(&a, json_object_get(j, v->id_field)) : NULL;
        du_copy(out->pmid, sizeof(out->pmid), id != NULL && *id != '\0' ? id : m->id);
        goto out;
    }
    if (s == NULL || strcmp(s, "ERROR") != 0) {
        du_result(out, PROVIDER_TEMP_FAIL, "bad-answer", "no STATUS in the answer");
        goto out;
    }
    du_result(out, PROVIDER_REJECTED, du_json_text(&a, json_object_get(j, "ERROR_CODE")),
              json_string_value(json_object_get(j, "ERROR_DESCRIPTION")));
out:
    json_decref(j);
    arena_release(&a);
    return SH_OK;
}

static int vv_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                             struct arena *a, struct dialect_callback *out)
{
    const struct veevo *v = cfg;
    (void)now_ms;
    return du_fieldmap_callback(&v->map, NULL, in, a, out);
}

const struct dialect dialect_veevo = {
    .name = "veevo",
    .caps = DIALECT_CAP_DLR_PUSH,
    .config_new = vv_new,
    .config_free = vv_free,
    .config_caps = vv_caps,
    .build_send = vv_build_send,
    .parse_send = vv_parse_send,
    .parse_callback = vv_parse_callback,
};
