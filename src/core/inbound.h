/*
 * inbound.h — the row of an inbound (mobile-originated) message, shared by the two doors it
 * comes in through: a driver in-band (core/inbound.c, SMPP deliver_sm) and a vendor's HTTP
 * push (api/callbacks.c). Direction 1, final status `delivered`, never dispatched.
 */
#ifndef SH_CORE_INBOUND_H
#define SH_CORE_INBOUND_H

#include <stdint.h>

#include "lib/arena.h"
#include "providers/provider.h"
#include "store/store.h"

/* Fills m and the accept acc that stores it (acc->msg = m, answer 200 "{}") for mo, received
 * by credential_id of provider_id in project_id at now. Strings are copied into a; mo and the
 * ids are borrowed for the call only. The caller may add an idempotency key to acc. */
void inbound_fill(struct arena *a, const struct provider_mo *mo, const char *project_id,
                  const char *provider_id, const char *credential_id, int64_t now,
                  struct store_message *m, struct store_accept *acc);

#endif
