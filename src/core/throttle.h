/*
 * throttle.h — in-memory failure counters per key (an e-mail address, a source address):
 * a fixed window of window_ms in which at most max events are allowed. Keys are hashed with
 * a per-instance random key (SipHash), so a caller cannot aim collisions at another key.
 * The table is bounded (THROTTLE_SLOTS); when full, the oldest window is evicted. Counters
 * are per process (a cluster multiplies the limit by its node count). Thread-safe.
 */
#ifndef SH_CORE_THROTTLE_H
#define SH_CORE_THROTTLE_H

#include <stdint.h>

#define THROTTLE_SLOTS 4096

struct throttle;

/* Returns new (throttle_free). max >= 1, window_ms >= 1. */
struct throttle *throttle_new(int max, int64_t window_ms);
void throttle_free(struct throttle *t);

/* 1 when key already had max events in its current window (then *retry_ms, may be NULL,
 * says when the window ends), 0 otherwise. now in ms. Records nothing. */
int throttle_blocked(struct throttle *t, const char *key, int64_t now, int64_t *retry_ms);

/* Records one event for key. */
void throttle_hit(struct throttle *t, const char *key, int64_t now);

/* Forgets key (e.g. after a successful login). */
void throttle_clear(struct throttle *t, const char *key);

#endif
