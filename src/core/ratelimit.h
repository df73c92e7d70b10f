/*
 * ratelimit.h — token buckets for request rate limits (SPEC §2.6), in memory per node.
 *
 * A bucket per id ("k:<key id>", "p:<project id>", "g") refills at rate tokens a second up
 * to rate (a one-second burst). Several layers are checked together: a request passes only
 * when every bucket has a token, and then takes one from each; a refused request takes
 * nothing. Memory is bounded: a fixed table; when a probe run is full the bucket used least
 * recently is recycled (it restarts full). Thread-safe (one mutex).
 */
#ifndef SH_CORE_RATELIMIT_H
#define SH_CORE_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_ID_MAX 56
#define RATELIMIT_LAYERS 4

struct ratelimit;

struct ratelimit_ask {
    const char *id; /* bucket id (borrowed) */
    int64_t rate;   /* tokens a second; <= 0: this layer has no limit */
};

struct ratelimit_result {
    int allowed;
    int layer;           /* the layer reported below (refusing, or tightest); -1: no limit */
    int64_t limit;       /* its rate */
    int64_t remaining;   /* whole tokens left after this request */
    int64_t reset_s;     /* seconds until its bucket is full again */
    int64_t retry_after; /* refused: seconds until a token is there (>= 1) */
};

/* Returns a new limiter with room for slots buckets (rounded up to a power of two). */
struct ratelimit *ratelimit_new(unsigned slots);
void ratelimit_free(struct ratelimit *rl);

/* Checks and takes one token from each of the n (<= RATELIMIT_LAYERS) layers at time now_us
 * (monotonic microseconds). Fills out. Any thread. */
void ratelimit_take(struct ratelimit *rl, const struct ratelimit_ask *ask, int n, int64_t now_us,
                    struct ratelimit_result *out);

#endif
