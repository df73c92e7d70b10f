/*
 * dutil.h — helpers shared by the HTTP dialects (internal to src/providers/http/): a growing
 * byte buffer with URL/JSON/XML escaping, request assembly, callback parameter collection
 * (query + form or JSON, names may repeat), HMAC/digests (OpenSSL libcrypto: libsodium has no
 * HMAC-SHA1 or MD5), time formats the vendors use, and typed reads of the credential JSON.
 * Pure; any thread. Strings returned go into the arena passed in.
 */
#ifndef SH_PROVIDERS_HTTP_DUTIL_H
#define SH_PROVIDERS_HTTP_DUTIL_H

#include "lib/arena.h"
#include "providers/http/dialect.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Growing buffer (heap); dbuf_finish moves it into an arena. */
struct dbuf {
    char *p;
    size_t len, cap;
};

void dbuf_add(struct dbuf *b, const char *s, size_t n);
void dbuf_adds(struct dbuf *b, const char *s);
void dbuf_printf(struct dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* application/x-www-form-urlencoded escaping: unreserved kept, space as '+', rest %XX. */
void dbuf_form_escape(struct dbuf *b, const char *s);
/* RFC 3986 escaping for URL path segments and query values (space as %20). */
void dbuf_url_escape(struct dbuf *b, const char *s);
/* JSON string contents (without the quotes); invalid UTF-8 passes through unchanged. */
void dbuf_json_escape(struct dbuf *b, const char *s);
/* XML text/attribute escaping of & < > " '. */
void dbuf_xml_escape(struct dbuf *b, const char *s);
/* Appends "&name=value" (no '&' when the buffer is empty), form-escaped. */
void dbuf_form_field(struct dbuf *b, const char *name, const char *value);
/* Returns the contents as a NUL-terminated arena string (len in *n when n != NULL) and frees
 * the heap buffer. */
char *dbuf_finish(struct dbuf *b, struct arena *a, size_t *n);
void dbuf_free(struct dbuf *b);

/* Request assembly. */
void du_req(struct dialect_req *r, const char *method, const char *url);
void du_req_header(struct dialect_req *r, const char *name, const char *value);
void du_req_body(struct dialect_req *r, const char *ctype, const char *body, size_t n);
/* "Basic base64(user:pass)" in a. */
char *du_basic_auth(struct arena *a, const char *user, const char *pass);
/* "Bearer <tok>" in a. */
char *du_bearer(struct arena *a, const char *tok);

/* multipart/form-data body of n text fields; *ctype gets the Content-Type with the boundary
 * (a fixed one, lengthened until no value contains it, so requests are reproducible). */
char *du_multipart(struct arena *a, const char *const *name, const char *const *value, size_t n,
                   const char **ctype, size_t *len);

/* Header lookup (case-insensitive), or NULL. */
const char *du_header(const struct dialect_kv *h, size_t n, const char *name);

/* Callback parameters in arrival order; names may repeat (Twilio MediaUrl). */
struct du_params {
    size_t n;
    const char *name[DIALECT_MAX_PARAMS];
    const char *value[DIALECT_MAX_PARAMS];
    int from_json; /* the body was JSON */
};
/* Adds form-encoded pairs; SH_EINVAL on a bad escape or NUL, SH_ETOOBIG past the cap. */
int du_params_form(struct du_params *p, const char *s, size_t n, struct arena *a);
/* Adds the top-level scalar members of a JSON object (numbers as their text). */
int du_params_json(struct du_params *p, const char *s, size_t n, struct arena *a);
/* Query string of in->url plus the body (form, or JSON when the content type or the first
 * byte says so). SH_EINVAL on malformed input, SH_ETOOBIG past caps. */
int du_params_callback(struct du_params *p, const struct dialect_in *in, struct arena *a);
/* First value of name, or NULL. */
const char *du_param(const struct du_params *p, const char *name);

/* Digests and MACs. */
enum du_alg { DU_MD5, DU_SHA1, DU_SHA256, DU_SHA512 };
/* out must hold 64 bytes; returns the digest length. */
size_t du_hmac(enum du_alg alg, const char *key, const void *msg, size_t n, unsigned char *out);
size_t du_digest(enum du_alg alg, const void *msg, size_t n, unsigned char *out);
/* Hex (upper or lower) into out (2n+1 bytes). */
void du_hex(char *out, const unsigned char *bin, size_t n, int upper);
/* Standard Base64 with padding, in a. */
char *du_b64(struct arena *a, const unsigned char *bin, size_t n);
/* Constant-time comparison of two strings, optionally ignoring ASCII case. 1 when equal. */
int du_secure_eq(const char *x, const char *y, int nocase);

/* Times, all UTC unless an offset is given; 0 when s is NULL/empty/unparseable. */
int64_t du_time_ymdhms(const char *s);     /* YYYY-MM-DD HH:MM[:SS][.fff][+hh:mm|Z], 'T' ok */
int64_t du_time_yymmddhhmm(const char *s); /* YYMMDDhhmm[ss] */
int64_t du_time_http(const char *s);       /* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" */

/* JSON. */
json_t *du_json(const char *s, size_t n); /* object or array, or NULL */
/* Scalar as text in a ("" for null, NULL when absent or not scalar). */
const char *du_json_text(struct arena *a, const json_t *v);
/* RFC 6901 pointer ("" = whole document), or NULL. */
json_t *du_json_pointer(json_t *root, const char *ptr);
/* Dumps compact, in insertion order, into the arena. */
char *du_json_dump(struct arena *a, const json_t *j, size_t *n);

/* Copies src (NULL = "") into dst of cap bytes, truncating. */
void du_copy(char *dst, size_t cap, const char *src);
/* Sets outcome + code + text on r (other fields untouched). */
void du_result(struct provider_result *r, enum provider_outcome o, const char *code,
               const char *text);
/* The usual HTTP status classes: 429 throttled, 5xx/408 temp-fail, 401/403 rejected with an
 * auth alert, other 4xx malformed. Returns 0 when status is 2xx (caller decides). */
int du_result_http(struct provider_result *r, int status);
/* "+998..." -> "998..." (drops a leading '+' and "00"), in a. */
const char *du_digits(struct arena *a, const char *e164);
/* The body as a NUL-terminated arena string. */
char *du_body(struct arena *a, const struct dialect_resp *in);
/* Sets the answer fields of a callback result. */
void du_answer(struct dialect_callback *cb, int status, const char *ctype, const char *body);

/* Credential JSON reads (root borrowed; strings borrowed from root). */
const char *du_cfg_str(const json_t *root, const char *key, const char *def);
int du_cfg_int(const json_t *root, const char *key, int def, int lo, int hi, int *out);
int du_cfg_bool(const json_t *root, const char *key, int def);
/* Fails with "key is required" in err when absent or empty. */
int du_cfg_need(const json_t *root, const char *key, char *err, size_t errcap, const char **out);
/* Parses json into an object; "settings: not a JSON object" in err otherwise. */
json_t *du_cfg_parse(const char *json, char *err, size_t errcap);

/* Maps a status word through a table of {word, dlr} pairs ending with {NULL, 0};
 * case-insensitive. Returns -1 when unknown. */
struct du_map {
    const char *word;
    enum provider_dlr dlr;
};
int du_map_status(const struct du_map *m, const char *word);

/* "queued", "sent", "delivered", "undelivered", "failed", "expired", "rejected" -> enum
 * (queued = PROVIDER_DLR_NONE); -1 when unknown. */
int du_dlr_from_name(const char *name);

/*
 * Configurable callback field mapping (generic driver, and the vendors whose callback format is
 * UNVERIFIED). Settings, all optional, with prefix "" (e.g. "dlr_id_field"):
 *   dlr_id_field, dlr_status_field, dlr_error_field, dlr_ref_field, dlr_time_field,
 *   dlr_status_map (object: vendor word -> normalized name), mo_from_field, mo_to_field,
 *   mo_text_field, mo_id_field.
 * A request with the id and status fields is a DLR; one with from and text is an MO.
 */
struct du_fieldmap {
    const char *id, *status, *error, *ref, *time;
    const json_t *status_map;
    const char *mo_from, *mo_to, *mo_text, *mo_id;
};
/* Reads the mapping (strings borrowed from root); defaults apply where a setting is absent
 * (def may be NULL for all-absent). SH_EINVAL with err when dlr_status_map is malformed. */
int du_fieldmap_read(const json_t *root, const struct du_fieldmap *def, struct du_fieldmap *m,
                     char *err, size_t errcap);
/* Fills out from p by the mapping; builtin (may be NULL: then the normalized status names
 * themselves) is tried after dlr_status_map.
 * Returns SH_OK (DLR, MO or IGNORE for a known "queued" word) or SH_EINVAL. */
int du_fieldmap_apply(const struct du_fieldmap *m, const struct du_map *builtin,
                      const struct du_params *p, struct dialect_callback *out);
/* Starts parsing a vendor callback: out cleared and answered 400 until the dialect decides
 * otherwise. Returns the request's parameters (query, form or JSON; in a), or NULL with
 * out->why set when they do not parse (the dialect then returns SH_EINVAL). */
struct du_params *du_callback_begin(const struct dialect_in *in, struct arena *a,
                                    struct dialect_callback *out);
/* A whole callback of a field-mapped vendor: the request's parameters (query, form or JSON)
 * through du_fieldmap_apply; answered 200 with an empty body when it applies, else 400 (the
 * caller may set another answer after SH_OK). Returns what du_fieldmap_apply returns, or
 * SH_EINVAL for parameters that do not parse. */
int du_fieldmap_callback(const struct du_fieldmap *m, const struct du_map *builtin,
                         const struct dialect_in *in, struct arena *a,
                         struct dialect_callback *out);

/* Signature algorithms (twilio.c, vonage.c), exposed for the unit tests and the cross-check
 * against the Python fakes. */
/* 1 when header is Base64(HMAC-SHA1(token, url + sorted params)) for url, url without its
 * port or url with the default port added (CONTRACTS.md §1.8). */
int twilio_signature_ok(const char *token, const char *url, const struct du_params *sig_params,
                        const char *header, struct arena *a);
/* Twilio's signature of url + params, in a. */
const char *twilio_signature(const char *token, const char *url, const struct du_params *p,
                             struct arena *a);
enum vonage_sig {
    VONAGE_SIG_MD5HASH,
    VONAGE_SIG_MD5,
    VONAGE_SIG_SHA1,
    VONAGE_SIG_SHA256,
    VONAGE_SIG_SHA512
};
/* Vonage `sig` of params (every one except `sig`), CONTRACTS.md §2.6; md5hash in lower-case
 * hex, the HMAC modes in upper-case hex; in a. */
const char *vonage_signature(enum vonage_sig alg, const char *secret, const struct du_params *p,
                             struct arena *a);
/* "md5hash", "md5", "sha1", "sha256", "sha512" -> alg; -1 when unknown. */
int vonage_sig_alg(const char *name);

#endif
