/*
 * credential.h — provider credentials' secrets and settings (SPEC §3.3).
 *
 * Secrets are a flat JSON object of strings ({"auth_token": "…"}) sealed as one value with the
 * master key, bound to the label "cred:<credential id>". Only the names of the set fields and
 * a fingerprint of the sealed plaintext ever leave this module. A driver instance is given
 * the merge default_config ⊕ settings ⊕ secrets (later keys win) — cred_driver_settings —
 * and that is what cred_validate checks with the driver's own open().
 * Any thread; nothing here blocks except cred_validate (it builds a throwaway driver).
 */
#ifndef SH_CORE_CREDENTIAL_H
#define SH_CORE_CREDENTIAL_H

#include "core/field_error.h"
#include "core/seal.h"

#include <jansson.h>
#include <stddef.h>

#define CRED_SECRET_FIELDS_MAX 16
#define CRED_SECRET_VALUE_MAX 4096
#define CRED_SETTINGS_MAX 8192 /* bytes of compact JSON */
#define CRED_LABEL_MAX 64

/* "cred:<id>" into out (cap CRED_LABEL_MAX). Returns out. */
char *cred_label(const char *cred_id, char *out);

/*
 * Checks a secrets object: at most 16 fields named [a-z0-9_]{1,64}, each a non-empty string
 * of at most 4096 bytes. Adds errors under the field "secrets"; returns 0 when valid.
 */
int cred_secrets_check(const json_t *secrets, struct field_errors *fe);

/* The sorted names of the set fields as compact JSON array text. Returns new (free()). */
char *cred_secret_fields(const json_t *secrets);

/*
 * Seals secrets (a checked object) for credential cred_id: *out (returns new, free()) of
 * *outlen bytes, the sealing key id in kid and the fingerprint of the sealed plaintext in fp.
 * Returns SH_OK or SH_EINVAL (no sealing key).
 */
int cred_secret_seal(const struct sealer *s, const char *cred_id, const json_t *secrets,
                     unsigned char **out, size_t *outlen, char kid[SEAL_KEY_ID_LEN],
                     char fp[32]);

/*
 * Opens the sealed secrets of credential cred_id (sealed, len bytes, key id kid). Returns
 * SH_OK with *out (returns new, NUL-terminated JSON object text of *outlen bytes; free with
 * seal_wipe_free(*out, *outlen)), SH_ENOTFOUND when no loaded key has id kid, SH_EINVAL when
 * the value was tampered with or belongs to another credential.
 */
int cred_secret_open(const struct sealer *s, const char *cred_id, const void *sealed, size_t len,
                     const char *kid, char **out, size_t *outlen);

/*
 * Applies patch to target as an RFC 7396 merge patch on the first level: each key of patch
 * replaces target's, a null value removes it. target is changed in place (borrowed).
 */
void cred_settings_merge(json_t *target, const json_t *patch);

/*
 * The settings a driver instance gets: default_config, then settings, then secrets (each a
 * JSON object or NULL; borrowed), later keys replacing earlier ones. Returns new JSON text
 * (free(); wipe it first when secrets were given).
 */
char *cred_driver_settings(const json_t *default_config, const json_t *settings,
                           const json_t *secrets);

struct store_credential;
struct log;

/*
 * The settings text the driver of credential row gets: its catalog default config, settings
 * and opened secrets merged (cred_driver_settings), plus "callback_url" when callback_url is
 * not NULL and the merge has none. Returns new (free with seal_wipe_free(text, strlen(text)):
 * it may hold secrets), or NULL when the secrets cannot be opened (logged without their
 * value). Any thread.
 */
char *cred_row_settings(const struct sealer *sealer, const struct log *log,
                        const struct store_credential *row, const char *callback_url);

/* "<public_url>/v1/callbacks/<driver>/<token>" of row, or NULL without a public URL or
 * token. Returns new (free()). */
char *cred_callback_url(const char *public_url, const struct store_credential *row);

/*
 * Validates the merged settings with driver's open() on a throwaway event loop (then closes
 * it). Returns SH_OK, SH_ENOTFOUND for an unknown driver, or SH_EINVAL with the driver's
 * message in err — replaced by a generic one when it would quote a secret value.
 * Blocks briefly; any thread.
 */
int cred_validate(const char *driver, const json_t *default_config, const json_t *settings,
                  const json_t *secrets, char *err, size_t errcap);

#endif
