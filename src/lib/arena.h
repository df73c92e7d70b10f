/*
 * arena.h — bump allocator for per-request and per-batch memory.
 *
 * Everything allocated from an arena is freed at once by arena_release. Not thread-safe:
 * one arena belongs to one request or one batch at a time. Out of memory aborts.
 */
#ifndef SH_ARENA_H
#define SH_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;
    size_t total; /* bytes handed out, for limits */
};

/* Makes an empty arena (no allocation yet). */
void arena_init(struct arena *a);

/* Frees every chunk; the arena can be used again afterwards. */
void arena_release(struct arena *a);

/* Returns n bytes aligned for any type, valid until arena_release. Never NULL. */
void *arena_alloc(struct arena *a, size_t n);

/* Returns a zeroed allocation of n bytes. */
void *arena_zalloc(struct arena *a, size_t n);

/* Returns a NUL-terminated copy of the first n bytes of s (borrowed). */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Returns a copy of s, or NULL when s is NULL. */
char *arena_strdup(struct arena *a, const char *s);

/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
