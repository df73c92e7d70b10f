/*
 * accept.h — the message intake core shared by POST /v1/messages (api/messages.c) and the
 * SMPP server's submit_sm (api/smpp_server.c): validate a send request into a message row
 * with a fresh id, and, once the store has committed it, count it towards the project's
 * quotas and wake the engine. The durable write itself is store_accept (group commit).
 */
#ifndef SH_API_ACCEPT_H
#define SH_API_ACCEPT_H

#include "api/api.h"

enum accept_prep {
    ACCEPT_OK = 0,
    ACCEPT_INVALID = 1,    /* *fe says which fields (the HTTP answer is 422) */
    ACCEPT_UNAVAILABLE = 2 /* a lookup failed (503) */
};

/*
 * Validates body (a JSON object, borrowed) as a send request of project_id at now
 * (core/message.h), checks a named provider against the project's credentials, and gives the
 * row a new "msg_" id. Strings go to a. Returns an enum accept_prep. Any thread.
 */
int accept_prepare(struct api *api, const json_t *body, const char *project_id, int64_t now,
                   struct arena *a, struct store_message *out, struct field_errors *fe);

/*
 * Prices m (prepared by accept_prepare) at its creation time: fills its price columns with
 * the estimate (core/pricecache.h) and, for a project with prepaid billing on, makes acc
 * debit the estimate in the accept's transaction (a ledger id from a). ACCEPT_OK, or
 * ACCEPT_UNAVAILABLE when the tariffs cannot be read. Any thread.
 */
int accept_price(struct api *api, struct store_message *m, struct store_accept *acc,
                 struct arena *a);

/* After store_accept committed acc's new message: counts it for quotas, wakes the engine, and
 * notes a prepaid debit that left the balance below the project's alert threshold
 * (api/lowbal.h). Any thread (also the store writer's): never blocks on I/O. */
void accept_committed(struct api *api, const struct store_accept *acc);

#endif
