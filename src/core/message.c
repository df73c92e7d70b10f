/*
 * message.c — validation of POST /v1/messages bodies (SPEC §4.1, §4.2). See message.h.
 *
 * Unknown fields are refused (a typo such as "too" must not silently drop a field).
 */
#include "core/message.h"
#include "core/encoding.h"
#include "core/message_state.h"
#include "core/phone.h"
#include "lib/clock.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX_BYTES 16384
#define URL_MAX 2048
#define PROVIDER_SLUG_MAX 64

static const char *const type_names[] = {"otp", "transactional", "marketing"};

static const char *const known_fields[] = {
    "to",       "from",         "text",       "provider", "callback_url",
    "metadata", "scheduled_at", "expires_at", "type",
};

void msg_limits_default(struct msg_limits *l)
{
    l->max_segments = 10;
    l->max_schedule_ahead = 365LL * 86400 * 1000;
    l->max_metadata = 4096;
}

const char *msg_type_name(int t)
{
    if (t < 0 || t > MSG_TYPE_MARKETING)
        return "transactional";
    return type_names[t];
}

static const char *opt_string(const json_t *body, const char *field, struct field_errors *errs)
{
    json_t *v = json_object_get(body, field);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        field_error_add(errs, field, "invalid_type", "%s must be a string", field);
        return NULL;
    }
    return json_string_value(v);
}

/* Sender id: alphanumeric (1-11 of A-Z a-z 0-9 space . - _ &, at least one letter) or a
 * number (optional '+', 3-15 digits). */
static int sender_valid(const char *s)
{
    size_t n = strlen(s);
    int letters = 0;
    const char *p = s;

    if (n == 0)
        return 0;
    if (*p == '+')
        p++;
    size_t digits = strspn(p, "0123456789");
    if (p[digits] == '\0' && digits >= 3 && digits <= 15)
        return 1;
    if (n > 11)
        return 0;
    for (p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalpha(c))
            letters++;
        else if (!isdigit(c) && !strchr(" .-_&", c))
            return 0;
    }
    return letters > 0;
}

static int url_valid(const char *u)
{
    size_t n = strlen(u);
    if (n > URL_MAX)
        return 0;
    if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
        return 0;
    const char *host = strstr(u, "://") + 3;
    if (*host == '\0' || *host == '/' || *host == ':')
        return 0;
    for (const char *p = u; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

static int slug_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PROVIDER_SLUG_MAX)
        return 0;
    for (; *s; s++) {
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '_')
            return 0;
    }
    return 1;
}

static void parse_to(const json_t *body, struct arena *a, struct store_message *out,
                     struct field_errors *errs)
{
    json_t *v = json_object_get(body, "to");
    struct phone_number pn;

    if (v == NULL || json_is_null(v)) {
        field_error_add(errs, "to", "required", "to is required");
        return;
    }
    if (!json_is_string(v)) {
        field_error_add(errs, "to", "invalid_type", "to must be a string");
        return;
    }
    enum phone_error pe = phone_parse(json_string_value(v), NULL, &pn);
    if (pe != PHONE_OK) {
        field_error_add(errs, "to", "invalid_phone_number", "to is not a valid phone number: %s",
                        phone_strerror(pe));
        return;
    }
    out->to = arena_strdup(a, pn.e164);
    out->country = pn.region[0] != '\0' ? arena_strdup(a, pn.region) : NULL; /* +800… */
}

static void parse_text(const json_t *body, const struct msg_limits *lim, struct arena *a,
                       struct store_message *out, struct field_errors *errs)
{
    json_t *v = json_object_get(body, "text");
    struct enc_info info;

    if (v == NULL || json_is_null(v)) {
        field_error_add(errs, "text", "required", "text is required");
        return;
    }
    if (!json_is_string(v)) {
        field_error_add(errs, "text", "invalid_type", "text must be a string");
        return;
    }
    size_t len = json_string_length(v);
    if (len > TEXT_MAX_BYTES) {
        field_error_add(errs, "text", "too_long", "text is longer than %d segments",
                        lim->max_segments);
        return;
    }
    char *text = arena_strndup(a, json_string_value(v), len);
    /* jansson guarantees valid UTF-8 but allows an escaped NUL ("\u0000") */
    if (strlen(text) != len) {
        field_error_add(errs, "text", "invalid_text", "text must not contain NUL characters");
        return;
    }
    len = enc_strip_controls(text, len);
    text[len] = '\0';
    if (enc_analyze(text, len, &info) != 0) {
        field_error_add(errs, "text", "invalid_text", "text is not valid UTF-8");
        return;
    }
    if (info.chars == 0) {
        field_error_add(errs, "text", "required", "text must not be empty");
        return;
    }
    if (info.segments > (unsigned)lim->max_segments) {
        field_error_add(errs, "text", "too_long", "text needs %u segments as %s; the limit is %d",
                        info.segments, info.kind == ENC_GSM7 ? "GSM-7" : "UCS-2",
                        lim->max_segments);
        return;
    }
    out->body = text;
    out->encoding = (int)info.kind;
    out->segments = (int)info.segments;
}

static int64_t parse_time(const json_t *body, const char *field, struct field_errors *errs)
{
    const char *s = opt_string(body, field, errs);
    int64_t ms;
    if (s == NULL)
        return 0;
    if (clock_parse_rfc3339(s, &ms) != 0) {
        field_error_add(errs, field, "invalid_datetime",
                        "%s must be an RFC 3339 date-time such as 2026-01-31T09:30:00Z", field);
        return 0;
    }
    return ms;
}

int msg_request_parse(const json_t *body, const struct msg_limits *lim, int64_t now,
                      const char *project_id, struct arena *a, struct store_message *out,
                      struct field_errors *errs)
{
    const char *key;
    json_t *val;
    int before = errs->n;

    memset(out, 0, sizeof(*out));
    json_object_foreach((json_t *)body, key, val)
    {
        size_t i, n = sizeof(known_fields) / sizeof(known_fields[0]);
        for (i = 0; i < n && strcmp(key, known_fields[i]) != 0; i++)
            ;
        if (i == n) {
            /* the field name comes from the client; keep it in the arena */
            field_error_add(errs, arena_strndup(a, key, strnlen(key, 64)), "unknown_field",
                            "unknown field");
        }
    }

    parse_to(body, a, out, errs);
    parse_text(body, lim, a, out, errs);

    const char *from = opt_string(body, "from", errs);
    if (from != NULL) {
        if (!sender_valid(from))
            field_error_add(errs, "from", "invalid_sender",
                            "from must be 1-11 letters/digits with at least one letter, or a "
                            "number of 3-15 digits");
        else
            out->from = arena_strdup(a, from);
    }

    const char *provider = opt_string(body, "provider", errs);
    if (provider != NULL) {
        if (!slug_valid(provider))
            field_error_add(errs, "provider", "invalid_provider",
                            "provider must be a provider id such as \"simulator\"");
        else
            out->provider = arena_strdup(a, provider);
    }

    const char *cb = opt_string(body, "callback_url", errs);
    if (cb != NULL) {
        if (!url_valid(cb))
            field_error_add(errs, "callback_url", "invalid_url",
                            "callback_url must be an http(s) URL of at most %d characters",
                            URL_MAX);
        else
            out->callback_url = arena_strdup(a, cb);
    }

    json_t *md = json_object_get(body, "metadata");
    if (md != NULL && !json_is_null(md)) {
        if (!json_is_object(md)) {
            field_error_add(errs, "metadata", "invalid_type", "metadata must be a JSON object");
        } else {
            char *text = json_dumps(md, JSON_COMPACT | JSON_SORT_KEYS);
            if (text == NULL || strlen(text) > lim->max_metadata)
                field_error_add(errs, "metadata", "too_large",
                                "metadata must be at most %zu bytes as compact JSON",
                                lim->max_metadata);
            else
                out->metadata = arena_strdup(a, text);
            free(text);
        }
    }

    out->msg_type = MSG_TYPE_TRANSACTIONAL;
    const char *type = opt_string(body, "type", errs);
    if (type != NULL) {
        int t;
        for (t = 0; t <= MSG_TYPE_MARKETING && strcmp(type, type_names[t]) != 0; t++)
            ;
        if (t > MSG_TYPE_MARKETING)
            field_error_add(errs, "type", "invalid_type",
                            "type must be one of otp, transactional, marketing");
        else
            out->msg_type = t;
    }
    out->priority = out->msg_type; /* OTP > transactional > marketing */

    int64_t sched = parse_time(body, "scheduled_at", errs);
    int64_t exp = parse_time(body, "expires_at", errs);
    if (sched != 0 && sched > now + lim->max_schedule_ahead)
        field_error_add(errs, "scheduled_at", "out_of_range",
                        "scheduled_at must be at most 365 days ahead");
    if (exp != 0 && exp <= now)
        field_error_add(errs, "expires_at", "out_of_range", "expires_at must be in the future");
    else if (exp != 0 && sched != 0 && exp <= sched)
        field_error_add(errs, "expires_at", "out_of_range",
                        "expires_at must be after scheduled_at");

    if (errs->n > before)
        return errs->n - before;

    out->project_id = project_id;
    out->direction = 0;
    out->status = MSG_QUEUED;
    out->scheduled_at = sched > now ? sched : 0;
    out->expires_at = exp;
    out->created_at = now;
    out->updated_at = now;
    out->due_at = out->scheduled_at != 0 ? out->scheduled_at : now;
    return 0;
}

void msg_request_hash(const json_t *body, unsigned char out[32])
{
    char *canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    crypto_hash_sha256(out, (const unsigned char *)(canon ? canon : ""), canon ? strlen(canon) : 0);
    free(canon);
}
