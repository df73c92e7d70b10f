/*
 * tbucket.h — per-credential send pacing: a token bucket counting message segments
 * (settings `tps`), and a backoff that a `throttled` answer from the provider starts (the
 * credential pauses, doubling up to a cap, and the pause ends with the next success).
 * Pure: the caller passes the time (ms). Not thread-safe (the engine thread owns it).
 */
#ifndef SH_CORE_TBUCKET_H
#define SH_CORE_TBUCKET_H

#include <stdint.h>

#define THROTTLE_BACKOFF_MIN_MS 100
#define THROTTLE_BACKOFF_MAX_MS 10000
#define THROTTLE_RETRY_AFTER_MAX_MS (300LL * 1000) /* longest pause a Retry-After may ask for */

struct tbucket {
    double rate;   /* tokens (segments) per second; 0 = unlimited */
    double burst;  /* most tokens kept */
    double tokens; /* may go below zero after a message longer than the burst */
    int64_t last;  /* ms of the last refill */
    int64_t paused_until;
    int64_t backoff_ms; /* current pause after `throttled`, 0 when none */
};

/* A bucket of rate segments per second (0 = unlimited), full at now. */
void tbucket_init(struct tbucket *b, double rate, int64_t now);

/* Changes the rate, keeping the tokens (capped by the new burst). */
void tbucket_set_rate(struct tbucket *b, double rate, int64_t now);

/*
 * Takes n segments at now. Returns 0 when taken, else how many ms to wait before asking
 * again (nothing taken). A message longer than the burst is taken from a full bucket and
 * leaves it in debt, so the average rate holds.
 */
int64_t tbucket_take(struct tbucket *b, int64_t now, int n);

/* The provider answered `throttled`: pause the credential (growing backoff). */
void tbucket_throttled(struct tbucket *b, int64_t now);

/* The provider asked for a pause (Retry-After): nothing is taken before until (ms), and the
 * credential stays paused at least that long whatever the backoff says. */
void tbucket_pause_until(struct tbucket *b, int64_t until);

/* The provider accepted a submit: the backoff is over. */
void tbucket_ok(struct tbucket *b);

#endif
