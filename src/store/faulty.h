/*
 * faulty.h — TEST ONLY: a store that wraps another and fails chosen calls (fault injection).
 *
 * `smshub serve` wraps its store with this only when SMSHUB_FAULT is set AND
 * SMSHUB_TEST_HOOKS=1 (it refuses to start otherwise). Never use it in production: a fault
 * makes the hub report errors that did not happen, or hide ones that did.
 *
 * Spec (SMSHUB_FAULT): items separated by commas, each one of
 *   store:OP:N:KIND[:MS]   the Nth call (1-based) of OP fails; "N+" fails every call from N on
 *       OP    accept claim update recover read write message_get message_list count_due
 *             api_key_find credentials_load purge
 *       KIND  eio      fails with SH_EIO, nothing done
 *             efull    fails with SH_EFULL (disk full / read-only), nothing done
 *             timeout  nothing done; fails with SH_EIO after MS ms (default 300)
 *             lost     the work is done and committed, then reported as failed (SH_EIO): the
 *                      "short write" (see docs/internals/FAULTS.md for which backends can)
 *   count                 no fault; the calls of every operation are counted and logged at close
 *   pause:PATH            store_claim claims nothing while the file PATH exists (dispatch paused)
 * Every wrapped store counts calls and logs "fault injection: calls accept=… claim=…" at close.
 */
#ifndef SH_STORE_FAULTY_H
#define SH_STORE_FAULTY_H

#include "store/store.h"

#include <stddef.h>

/*
 * Wraps inner (takes it: closing the result closes inner) according to spec. Returns SH_OK
 * and *out, or SH_EINVAL with a message in err (inner is then left untouched, still the
 * caller's). log is borrowed for the store's lifetime.
 */
int store_faulty_wrap(struct store *inner, const char *spec, const struct log *log,
                      struct store **out, char *err, size_t errcap);

#endif
