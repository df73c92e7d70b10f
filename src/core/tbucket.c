/* tbucket.c — see tbucket.h. */
#include "core/tbucket.h"

static double burst_for(double rate)
{
    double b = rate / 10.0; /* a tenth of a second of sending */
    return b < 1.0 ? 1.0 : b;
}

void tbucket_init(struct tbucket *b, double rate, int64_t now)
{
    b->rate = rate > 0 ? rate : 0;
    b->burst = burst_for(b->rate);
    b->tokens = b->burst;
    b->last = now;
    b->paused_until = 0;
    b->backoff_ms = 0;
}

void tbucket_set_rate(struct tbucket *b, double rate, int64_t now)
{
    (void)tbucket_take(b, now, 0); /* refill at the old rate first */
    b->rate = rate > 0 ? rate : 0;
    b->burst = burst_for(b->rate);
    if (b->tokens > b->burst)
        b->tokens = b->burst;
}

int64_t tbucket_take(struct tbucket *b, int64_t now, int n)
{
    if (now < b->paused_until)
        return b->paused_until - now;
    if (b->rate <= 0)
        return 0;
    if (now > b->last) {
        b->tokens += (double)(now - b->last) * b->rate / 1000.0;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last = now;
    }
    if (n <= 0)
        return 0;
    double need = (double)n <= b->burst ? (double)n : b->burst;
    if (b->tokens >= need) {
        b->tokens -= n;
        return 0;
    }
    int64_t wait = (int64_t)((need - b->tokens) * 1000.0 / b->rate) + 1;
    return wait;
}

void tbucket_throttled(struct tbucket *b, int64_t now)
{
    if (b->backoff_ms == 0)
        b->backoff_ms = THROTTLE_BACKOFF_MIN_MS;
    else if (b->backoff_ms < THROTTLE_BACKOFF_MAX_MS)
        b->backoff_ms *= 2;
    if (b->backoff_ms > THROTTLE_BACKOFF_MAX_MS)
        b->backoff_ms = THROTTLE_BACKOFF_MAX_MS;
    b->paused_until = now + b->backoff_ms;
}

void tbucket_pause_until(struct tbucket *b, int64_t until)
{
    if (until > b->paused_until)
        b->paused_until = until;
}

void tbucket_ok(struct tbucket *b)
{
    b->backoff_ms = 0;
}
