/*
 * health.h — health of one provider credential (SPEC §3.5): a rolling window of submit
 * outcomes and latencies, and a small state machine. Pure: the caller passes the time.
 *
 *            rate < degrade_below            rate < down_below
 *   HEALTHY ───────────────────► DEGRADED ─────────────────────► DOWN
 *      ▲  ◄──────────────────────    │                            │ cool-down elapsed
 *      │     rate >= recover_at      │ (also DEGRADED → DOWN)      ▼ (health_admit)
 *      │                             │                          PROBING (half-open:
 *      └───────────── probe ok ──────┴─────────────────────────  one submit at a time)
 *                                         probe failed → DOWN (cool-down again)
 *
 * Transition table (rates over the window, only once it holds min_samples outcomes):
 *   HEALTHY  --record, rate <  degrade_below-->  DEGRADED
 *   DEGRADED --record, rate <  down_below   -->  DOWN
 *   DEGRADED --record, rate >= recover_at   -->  HEALTHY
 *   DOWN     --admit, cool-down elapsed     -->  PROBING
 *   PROBING  --record ok                    -->  HEALTHY (window cleared)
 *   PROBING  --record failure               -->  DOWN    (cool-down restarts)
 * A success is any answer from the provider other than temp-fail (a rejection of one
 * message says the provider is up); throttling is not counted (the token bucket handles it).
 */
#ifndef SH_CORE_HEALTH_H
#define SH_CORE_HEALTH_H

#include <stdint.h>

#define HEALTH_WINDOW 32 /* outcomes kept */

enum health_state { HEALTH_HEALTHY = 0, HEALTH_DEGRADED, HEALTH_DOWN, HEALTH_PROBING };

struct health_cfg {
    int min_samples;      /* outcomes needed before judging (default 5) */
    double degrade_below; /* success rate (default 0.9) */
    double down_below;    /* (default 0.5) */
    double recover_at;    /* (default 0.95) */
    int64_t window_ms;    /* outcomes older than this are forgotten (default 60 s) */
    int64_t cooldown_ms;  /* DOWN before a probe (default 30 s) */
};

struct health {
    enum health_state state;
    int64_t since; /* when the state was entered (ms) */
    int probe_inflight;
    unsigned n, head; /* ring of the last n outcomes, head = next slot */
    int64_t at[HEALTH_WINDOW];
    unsigned char ok[HEALTH_WINDOW];
    int latency_ms[HEALTH_WINDOW];
};

/* Fills the defaults documented above. */
void health_cfg_default(struct health_cfg *cfg);

/* A fresh HEALTHY record at time now. */
void health_init(struct health *h, int64_t now);

/* "healthy", "degraded", "down", "probing". */
const char *health_state_name(enum health_state s);

/*
 * Records one submit outcome (ok or failure, its latency) at now. Returns 1 and sets *from
 * when the state changed (h->state is the new one), else 0.
 */
int health_record(struct health *h, const struct health_cfg *cfg, int64_t now, int ok,
                  int latency_ms, enum health_state *from);

/*
 * Whether a submit may go to this credential now. DOWN whose cool-down elapsed turns
 * PROBING (returns 1 with *changed = 1) and admits one probe; PROBING admits nothing more
 * while its probe is out. *changed may be NULL.
 */
int health_admit(struct health *h, const struct health_cfg *cfg, int64_t now, int *changed);

/* A submit admitted by health_admit was not made after all (PROBING releases its probe). */
void health_cancel(struct health *h);

/* When a skipped (DOWN) credential will admit a probe (ms), or now when it admits now. */
int64_t health_next_admit(const struct health *h, const struct health_cfg *cfg, int64_t now);

/* Success rate (0..1, 1 when empty) and latency percentiles (pct 50, 95) over the window. */
double health_success_rate(const struct health *h, const struct health_cfg *cfg, int64_t now);
int health_latency_pct(const struct health *h, int pct);

#endif
