/*
 * audit.c — appending to and reading the audit log (store/audit.h). Portable SQL run by the
 * backends' control-plane executor.
 */
#include "store/audit.h"

#include "lib/clock.h"
#include "lib/id.h"

#include <string.h>

static const struct store_q q_insert = {
    "audit.insert",
    "INSERT INTO audit_log(id, at, actor_type, actor_id, project_id, action, object_type, "
    "object_id, before_json, after_json, source_ip, request_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    NULL, NULL, 0};

static const struct store_q q_list = {
    "audit.list",
    "SELECT id, at, actor_type, actor_id, project_id, action, object_type, object_id, "
    "before_json, after_json, source_ip, request_id FROM audit_log "
    "WHERE ($1 IS NULL OR at >= $1) AND ($2 IS NULL OR at < $2) "
    "AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR project_id = $4) "
    "AND ($5 IS NULL OR id < $5) ORDER BY id DESC LIMIT $6",
    NULL, NULL, 0};

void store_audit_step(struct store_step *step, struct audit_slot *slot,
                      const struct audit_entry *e)
{
    int64_t at = e->at != 0 ? e->at : clock_now_ms();
    struct store_args *a = &slot->args;
    memset(a, 0, sizeof(*a));
    id_new("aud", at, slot->id, sizeof(slot->id));
    store_arg_text(a, slot->id);
    store_arg_int(a, at);
    store_arg_text(a, e->actor_type);
    store_arg_text(a, e->actor_id);
    store_arg_text(a, e->project_id);
    store_arg_text(a, e->action);
    store_arg_text(a, e->object_type);
    store_arg_text(a, e->object_id);
    store_arg_text(a, e->before_json);
    store_arg_text(a, e->after_json);
    store_arg_text(a, e->source_ip);
    store_arg_text(a, e->request_id);
    step->q = &q_insert;
    step->args = a;
    step->out = NULL;
}

int store_write_audited(struct store *s, const struct store_q *q, const struct store_args *args,
                        const struct audit_entry *e)
{
    struct store_step steps[2] = {{q, args, NULL}};
    struct audit_slot slot;
    struct arena a;
    if (e != NULL)
        store_audit_step(&steps[1], &slot, e);
    arena_init(&a);
    int st = store_write(s, steps, e != NULL ? 2 : 1, &a);
    arena_release(&a);
    return st;
}

int store_audit_list(struct store *s, const struct audit_filter *f, struct arena *a,
                     struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_time(&args, f->from);
    store_arg_time(&args, f->to);
    store_arg_text(&args, f->actor_id);
    store_arg_text(&args, f->project_id);
    store_arg_text(&args, f->cursor);
    store_arg_int(&args, f->limit > 0 ? f->limit : 50);
    return store_read(s, &q_list, &args, a, out);
}
