/*
 * lowbal.h — low-balance alerts (SPEC §7): when a prepaid debit takes a project's balance
 * below its threshold, one worker thread claims the alert in the store (at most one a day per
 * project, whatever the number of nodes), which queues a signed "balance.low" event to the
 * project's alert URL in the same transaction, and mails the alert address. The accept path
 * only notes the crossing (never blocks, never touches the store).
 */
#ifndef SH_API_LOWBAL_H
#define SH_API_LOWBAL_H

#include "lib/log.h"

#include <stdint.h>

struct store;
struct mailer;
struct lowbal;

/* Starts the worker. store, mailer (may be NULL: no e-mail) and log borrowed for its life.
 * Returns new (lowbal_free), or NULL when the thread cannot start. */
struct lowbal *lowbal_new(struct store *store, struct mailer *mailer, const struct log *log);

/* Handles what is queued, stops the worker and frees. NULL is a no-op. */
void lowbal_free(struct lowbal *lb);

/* A debit of project_id left its balance at `balance` (micro-units of currency), below its
 * threshold. Queued (bounded; dropped when full or when this project was handled a moment
 * ago). Any thread, also the store writer's: never blocks on I/O. */
void lowbal_note(struct lowbal *lb, const char *project_id, int64_t balance, int64_t threshold,
                 const char *currency, int64_t now);

#endif
