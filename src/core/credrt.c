/*
 * credrt.c — the per-credential runtime (engine_int.h struct cred_rt): created with the
 * credential, carried over when its driver is reopened, freed with its last reference.
 */
#include "core/engine_int.h"
#include "lib/clock.h"
#include "lib/xalloc.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    dispatch_pump(arg);
}

struct cred_rt *cred_rt_new(struct engine *e, const struct eng_cred *c)
{
    struct cred_rt *rt = xcalloc(1, sizeof(*rt));
    int64_t now = clock_now_ms();
    rt->refs = 1;
    rt->engine = e;
    snprintf(rt->id, sizeof(rt->id), "%s", c->id);
    snprintf(rt->provider_id, sizeof(rt->provider_id), "%s", c->provider_id);
    snprintf(rt->project_id, sizeof(rt->project_id), "%s", c->project_id);
    health_init(&rt->health, now);
    tbucket_init(&rt->bucket, 0, now);
    rt->wake = evtimer_new(e->base, on_wake, rt);
    return rt;
}

void cred_rt_ref(struct cred_rt *rt)
{
    rt->refs++;
}

void cred_rt_unref(struct cred_rt *rt)
{
    if (rt == NULL || --rt->refs > 0)
        return;
    if (rt->wake != NULL)
        event_free(rt->wake);
    free(rt);
}

void cred_rt_configure(struct cred_rt *rt, const char *settings, int nodes)
{
    json_error_t err;
    json_t *o = json_loads(settings ? settings : "{}", 0, &err);
    double tps = 0;
    int conc = 0;
    if (json_is_object(o)) {
        json_t *v = json_object_get(o, "tps");
        if (json_is_number(v) && json_number_value(v) > 0)
            tps = json_number_value(v);
        v = json_object_get(o, "max_concurrency");
        if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1000000)
            conc = (int)json_integer_value(v);
    }
    json_decref(o);
    /* the limits are the provider's, for the whole cluster: each live node takes its share */
    if (nodes < 1)
        nodes = 1;
    tbucket_set_rate(&rt->bucket, tps / nodes, clock_now_ms());
    rt->max_concurrency = conc > 0 ? (conc + nodes - 1) / nodes : 0;
    rt->qcap = 0;
    if (tps > 0) {
        double q = tps / nodes * ENG_HORIZON_MS / 1000.0;
        rt->qcap = q < ENG_QCAP_MIN ? ENG_QCAP_MIN : (int)(q + 0.999);
    }
}
