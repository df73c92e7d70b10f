/*
 * token.h — OAuth2 bearer tokens (RFC 6749): opaque random strings, stored only as their
 * SHA-256 (DESIGN §8). Access tokens are "sha_" + 43 base64url characters, refresh tokens
 * "shr_" + 43 (32 random bytes each). Pure; any thread.
 */
#ifndef SH_CORE_TOKEN_H
#define SH_CORE_TOKEN_H

#include <stddef.h>

#define TOKEN_MAX 64

enum token_kind { TOKEN_ACCESS, TOKEN_REFRESH };

/* Writes a new random token of kind into out (cap >= TOKEN_MAX). */
void token_generate(enum token_kind kind, char *out, size_t cap);

/* Whether s has the shape of a token of kind (prefix, length, alphabet). */
int token_well_formed(enum token_kind kind, const char *s);

/* SHA-256 of the token text. */
void token_hash(const char *token, unsigned char out[32]);

#endif
