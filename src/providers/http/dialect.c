/*
 * dialect.c — the table of HTTP dialects, the shared bearer-token policy and Retry-After.
 * Adding a vendor is one file in this folder and one line in dialect_all.
 */
#include "providers/http/dialect.h"
#include "providers/http/dutil.h"

#include <jansson.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

extern const struct dialect dialect_twilio;
extern const struct dialect dialect_vonage;
extern const struct dialect dialect_eskiz;
extern const struct dialect dialect_playmobile;
extern const struct dialect dialect_veevo;
extern const struct dialect dialect_smso;
extern const struct dialect dialect_cequens;
extern const struct dialect dialect_generic;

const struct dialect *const dialect_all[] = {
    &dialect_twilio,     &dialect_vonage,  &dialect_eskiz,
    &dialect_playmobile, &dialect_veevo,   &dialect_smso,
    &dialect_cequens,    &dialect_generic, NULL,
};

const struct dialect *dialect_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; dialect_all[i] != NULL; i++)
        if (strcmp(dialect_all[i]->name, name) == 0)
            return dialect_all[i];
    return NULL;
}

#define HOUR_MS (3600 * 1000LL)

int dialect_token_usable(const struct dialect_token *tok, int64_t now_ms)
{
    if (tok == NULL || tok->value[0] == '\0')
        return 0;
    if (tok->expires_ms == 0)
        return 1;
    int64_t life = tok->expires_ms - tok->obtained_ms;
    int64_t margin = life / 10 > HOUR_MS ? life / 10 : HOUR_MS;
    if (life <= 2 * margin)
        margin = life / 2; /* short-lived tokens: refresh at half-life */
    return now_ms < tok->expires_ms - margin;
}

int64_t dialect_jwt_exp_ms(const char *jwt)
{
    int64_t exp = 0;
    json_t *claims = NULL;
    unsigned char *bin = NULL;
    if (jwt == NULL)
        goto out;
    const char *d1 = strchr(jwt, '.');
    const char *d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
    if (d2 == NULL || d2 - d1 - 1 > 4096)
        goto out;
    size_t n = (size_t)(d2 - d1 - 1), len = 0;
    bin = malloc(n + 1);
    if (bin == NULL)
        goto out;
    if (sodium_base642bin(bin, n + 1, d1 + 1, n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 &&
        sodium_base642bin(bin, n + 1, d1 + 1, n, NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE) !=
            0)
        goto out;
    claims = json_loadb((const char *)bin, len, 0, NULL);
    json_t *e = json_object_get(claims, "exp");
    if (json_is_integer(e) && json_integer_value(e) > 0 && json_integer_value(e) < 100000000000LL)
        exp = (int64_t)json_integer_value(e) * 1000;
    else if (json_is_real(e) && json_real_value(e) > 0 && json_real_value(e) < 1e11)
        exp = (int64_t)json_real_value(e) * 1000;
out:
    json_decref(claims);
    free(bin);
    return exp;
}

int64_t dialect_retry_after_ms(const struct dialect_resp *in, int64_t now_ms)
{
    const char *v = du_header(in->header, in->nheader, "Retry-After");
    int64_t ms = 0;
    if (v == NULL || *v == '\0')
        return 0;
    if (strspn(v, "0123456789") == strlen(v)) {
        ms = strlen(v) > 7 ? DIALECT_RETRY_AFTER_MAX_MS : strtoll(v, NULL, 10) * 1000;
    } else {
        int64_t at = du_time_http(v);
        ms = at > now_ms ? at - now_ms : 0;
    }
    return ms > DIALECT_RETRY_AFTER_MAX_MS ? DIALECT_RETRY_AFTER_MAX_MS : ms;
}

void dialect_token_set(struct dialect_token *tok, const char *value, int64_t now_ms, int ttl_s)
{
    du_copy(tok->value, sizeof(tok->value), value);
    tok->obtained_ms = now_ms;
    tok->expires_ms = dialect_jwt_exp_ms(value);
    if (tok->expires_ms <= now_ms)
        tok->expires_ms = now_ms + (int64_t)ttl_s * 1000;
}
