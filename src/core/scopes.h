/*
 * scopes.h — the one list of scopes an API key or client token can hold (SPEC §2.3).
 *
 * Every route's scope (api/routes.c) must be in this list; key creation refuses anything
 * else. A scope list travels as one space-separated string ("messages:send messages:read").
 * Pure; any thread.
 */
#ifndef SH_CORE_SCOPES_H
#define SH_CORE_SCOPES_H

#include <stddef.h>

#define SCOPES_TEXT_MAX 511 /* longest space-separated list (fits principal.scopes) */

/* The known scopes, NULL-terminated. */
extern const char *const scopes_known[];

/* 1 when s (NUL-terminated) is a known scope, else 0. */
int scope_known(const char *s);

/* 1 when the space-separated list has want as one of its words, else 0. */
int scopes_has(const char *list, const char *want);

#endif
