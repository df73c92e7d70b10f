/*
 * basic_auth.h — the HTTP Basic authorization header (RFC 7617) as OAuth2 clients send it
 * (RFC 6749 §2.3.1): "Basic " + base64(form-urlencode(id) ":" form-urlencode(secret)).
 * Pure; any thread.
 */
#ifndef SH_LIB_BASIC_AUTH_H
#define SH_LIB_BASIC_AUTH_H

#include "lib/arena.h"

#define BASIC_AUTH_MAX 1024 /* longest header value accepted */

/*
 * Parses header (the whole Authorization value, borrowed) into *user and *pass, both decoded,
 * NUL-free strings in a. Returns SH_OK, SH_ENOTFOUND when the scheme is not Basic, SH_EINVAL
 * when it is Basic but malformed (bad base64, no ':', bad %-escape, NUL, too long).
 */
int basic_auth_parse(const char *header, struct arena *a, const char **user, const char **pass);

#endif
