/*
 * msgcols.h — the message column list every backend selects, in the order their row readers
 * expect (store internals only).
 */
#ifndef SH_STORE_MSGCOLS_H
#define SH_STORE_MSGCOLS_H

/* every column but due_at, which comes last */
#define STORE_MSG_COLS_HEAD                                                                        \
    "id, project_id, direction, status, priority, msg_type, to_number, country, from_addr, "       \
    "body, encoding, segments, callback_url, metadata, requested_provider, credential_id, "        \
    "provider_message_id, attempts, in_doubt, error_code, error_text, created_at, updated_at, "    \
    "scheduled_at, expires_at"
#define STORE_MSG_COLS STORE_MSG_COLS_HEAD ", due_at"

#endif
