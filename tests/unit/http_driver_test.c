/*
 * http_driver_test.c — the HTTP provider glue (providers/http/driver.c) and the transport's
 * cancel: a request to a peer that never answers is dropped by http_transport_cancel and by a
 * driver's close without its callback; an unreachable vendor gives exactly one temp-fail per
 * submit, never from inside submit; a failed login backs off and fails later submits without
 * a new login; open refuses bad settings and submit needs a transport; an Eskiz batch window
 * holds sends without any transfer, then ends each exactly once, and a close with a batch
 * still gathering drops it without a callback; balance queries answer once (or not at all
 * when not offered, or after close).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "lib/err.h"
#include "providers/http_transport.h"
#include "providers/provider.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A listening socket nobody accepts on: connects succeed (backlog), answers never come. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port with nothing listening (connection refused). */
static int closed_port(void)
{
    int port, fd = silent_listener(&port);
    close(fd);
    return port;
}

static void run_for(struct event_base *b, int ms)
{
    struct timeval tv = {.tv_sec = 0, .tv_usec = ms * 1000};
    event_base_loopexit(b, &tv);
    event_base_dispatch(b);
}

static int http_calls;
static void on_http(void *arg, const struct http_result *r)
{
    (void)arg;
    (void)r;
    http_calls++;
}

static void test_transport_cancel(void **state)
{
    (void)state;
    int port, fd = silent_listener(&port);
    struct event_base *b = event_base_new();
    struct http_transport *t = http_transport_new(b);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
    struct http_request req = {.method = "GET", .url = url, .timeout_ms = 5000};
    int a1, a2;
    http_calls = 0;
    assert_int_equal(http_request(t, &req, on_http, &a1), SH_OK);
    assert_int_equal(http_request(t, &req, on_http, &a2), SH_OK);
    run_for(b, 50);
    assert_int_equal(http_transport_pending(t), 2);
    http_transport_cancel(t, &a1);
    assert_int_equal(http_transport_pending(t), 1);
    http_transport_cancel(t, &a1); /* nothing left with that arg */
    run_for(b, 50);
    assert_int_equal(http_calls, 0);
    http_transport_free(t); /* drops a2 */
    assert_int_equal(http_calls, 0);
    event_base_free(b);
    close(fd);
}

struct got {
    const struct provider_ops *close_ops; /* when set, the callback closes close_state */
    void *close_state;
    int n;
    struct provider_result r;
    int in_submit;
    int called_inside;
};

static void on_submit(void *arg, const struct provider_result *r)
{
    struct got *g = arg;
    g->n++;
    g->r = *r;
    if (g->in_submit)
        g->called_inside = 1;
    if (g->close_ops != NULL)
        g->close_ops->close(g->close_state);
}

static const struct provider_msg msg = {.id = "msg_1",
                                        .to = "+998901234567",
                                        .from = "4546",
                                        .body = "hi",
                                        .segments = 1,
                                        .attempt = 1};

static int submit(const struct provider_ops *ops, void *st, struct got *g)
{
    g->in_submit = 1;
    int rc = ops->submit(st, &msg, on_submit, g);
    g->in_submit = 0;
    return rc;
}

static void test_close_with_transfer_in_flight(void **state)
{
    (void)state;
    int port, fd = silent_listener(&port);
    struct event_base *b = event_base_new();
    struct http_transport *t = http_transport_new(b);
    struct provider_env env = {.base = b, .credential_id = "cred_1", .http = t};
    const struct provider_ops *ops = provider_find("twilio");
    char settings[256], err[160];
    void *st = NULL;
    snprintf(settings, sizeof(settings),
             "{\"account_sid\":\"AC%032d\",\"auth_token\":\"tok\",\"from\":\"+1555\","
             "\"base_url\":\"http://127.0.0.1:%d\"}",
             0, port);
    assert_non_null(ops);
    assert_int_equal(ops->open(&env, settings, err, sizeof(err), &st), SH_OK);
    struct got g = {0};
    assert_int_equal(submit(ops, st, &g), SH_OK);
    run_for(b, 50);
    assert_int_equal(http_transport_pending(t), 1);
    ops->close(st); /* the transfer is cancelled: no callback into the freed driver */
    assert_int_equal(http_transport_pending(t), 0);
    run_for(b, 50);
    assert_int_equal(g.n, 0);
    http_transport_free(t);
    event_base_free(b);
    close(fd);
}

static void test_unreachable_and_login_backoff(void **state)
{
    (void)state;
    struct event_base *b = event_base_new();
    struct http_transport *t = http_transport_new(b);
    struct provider_env env = {.base = b, .credential_id = "cred_1", .http = t};
    const struct provider_ops *ops = provider_find("eskiz");
    char settings[256], err[160];
    void *st = NULL;
    snprintf(settings, sizeof(settings),
             "{\"email\":\"a@b.c\",\"password\":\"pw\",\"base_url\":\"http://127.0.0.1:%d/api\"}",
             closed_port());
    assert_int_equal(ops->open(&env, settings, err, sizeof(err), &st), SH_OK);
    struct got g1 = {0}, g2 = {0}, g3 = {0};
    assert_int_equal(submit(ops, st, &g1), SH_OK);
    assert_int_equal(submit(ops, st, &g2), SH_OK);  /* waits behind the same login */
    assert_int_equal(http_transport_pending(t), 1); /* one login, not two */
    run_for(b, 300);
    assert_int_equal(g1.n, 1);
    assert_int_equal(g2.n, 1);
    assert_int_equal(g1.r.outcome, PROVIDER_TEMP_FAIL);
    assert_int_equal(g2.r.outcome, PROVIDER_TEMP_FAIL);
    /* backing off: no new login, the failure still comes later, not from inside submit */
    assert_int_equal(submit(ops, st, &g3), SH_OK);
    assert_int_equal(http_transport_pending(t), 0);
    assert_int_equal(g3.n, 0);
    run_for(b, 20);
    assert_int_equal(g3.n, 1);
    assert_int_equal(g3.r.outcome, PROVIDER_TEMP_FAIL);
    assert_int_equal(g1.called_inside + g2.called_inside + g3.called_inside, 0);
    /* a callback that closes the driver: the other pending callback is dropped, nothing
     * touches the freed driver afterwards */
    struct got g4 = {.close_ops = ops, .close_state = st}, g5 = {0};
    assert_int_equal(submit(ops, st, &g4), SH_OK);
    assert_int_equal(submit(ops, st, &g5), SH_OK);
    run_for(b, 20);
    assert_int_equal(g4.n + g5.n, 1);
    http_transport_free(t);
    event_base_free(b);
}

static void test_batch_window(void **state)
{
    (void)state;
    struct event_base *b = event_base_new();
    struct http_transport *t = http_transport_new(b);
    struct provider_env env = {.base = b, .credential_id = "cred_1", .http = t};
    const struct provider_ops *ops = provider_find("eskiz");
    char settings[256], err[160];
    void *st = NULL;
    snprintf(settings, sizeof(settings),
             "{\"email\":\"a@b.c\",\"password\":\"pw\",\"batch_window_ms\":40,\"batch_max\":2,"
             "\"base_url\":\"http://127.0.0.1:%d/api\"}",
             closed_port());
    assert_int_equal(ops->open(&env, settings, err, sizeof(err), &st), SH_OK);
    struct got g[3] = {{0}};
    assert_int_equal(submit(ops, st, &g[0]), SH_OK);
    assert_int_equal(http_transport_pending(t), 0);  /* held for the window */
    assert_int_equal(submit(ops, st, &g[1]), SH_OK); /* full: the batch waits for a login */
    assert_int_equal(http_transport_pending(t), 1);
    assert_int_equal(submit(ops, st, &g[2]), SH_OK); /* a new batch, held */
    run_for(b, 300);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g[i].n, 1);
        assert_int_equal(g[i].r.outcome, PROVIDER_TEMP_FAIL);
        assert_int_equal(g[i].called_inside, 0);
    }
    ops->close(st);
    /* closed while a batch gathers: dropped, no callback, nothing leaks */
    assert_int_equal(ops->open(&env, settings, err, sizeof(err), &st), SH_OK);
    struct got h = {0};
    assert_int_equal(submit(ops, st, &h), SH_OK);
    ops->close(st);
    run_for(b, 80);
    assert_int_equal(h.n, 0);
    http_transport_free(t);
    event_base_free(b);
}

static void test_open_and_no_transport(void **state)
{
    (void)state;
    struct event_base *b = event_base_new();
    struct provider_env env = {.base = b, .credential_id = "cred_1"};
    const char *names[] = {"twilio", "vonage", "eskiz",   "playmobile",
                           "veevo",  "smso",   "cequens", "generic"};
    char err[160];
    void *st = NULL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct provider_ops *ops = provider_find(names[i]);
        assert_non_null(ops);
        err[0] = '\0';
        assert_int_equal(ops->open(&env, "{}", err, sizeof(err), &st), SH_EINVAL);
        assert_true(err[0] != '\0');
    }
    const struct provider_ops *tw = provider_find("twilio");
    assert_int_equal(tw->open(&env,
                              "{\"account_sid\":\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
                              "\"auth_token\":\"t\",\"from\":\"+1555\"}",
                              err, sizeof(err), &st),
                     SH_OK);
    struct got g = {0};
    assert_int_equal(submit(tw, st, &g), SH_EIO); /* a validation instance has no transport */
    tw->close(st);
    event_base_free(b);
}

static int bal_n;
static struct provider_balance bal_got;
static void on_balance(void *arg, const struct provider_balance *pb)
{
    (void)arg;
    bal_n++;
    bal_got = *pb;
}

/* balance: not offered (PlayMobile) -> SH_ENOTFOUND at once, no callback; an unreachable
 * vendor -> exactly one SH_EIO callback, later; a close with one in flight drops it. */
static void test_balance(void **state)
{
    (void)state;
    int port, fd = silent_listener(&port);
    struct event_base *b = event_base_new();
    struct http_transport *t = http_transport_new(b);
    struct provider_env env = {.base = b, .credential_id = "cred_1", .http = t};
    char settings[256], err[160];
    void *st = NULL;
    const struct provider_ops *pm = provider_find("playmobile");
    assert_int_equal(pm->open(&env, "{\"base_url\":\"http://127.0.0.1:1\",\"login\":\"l\","
                                    "\"password\":\"p\"}",
                              err, sizeof(err), &st),
                     SH_OK);
    bal_n = 0;
    assert_int_equal(pm->balance(st, on_balance, NULL), SH_ENOTFOUND);
    pm->close(st);
    const struct provider_ops *sm = provider_find("smso");
    snprintf(settings, sizeof(settings), "{\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:%d\"}",
             closed_port());
    assert_int_equal(sm->open(&env, settings, err, sizeof(err), &st), SH_OK);
    assert_int_equal(sm->balance(st, on_balance, NULL), SH_OK);
    assert_int_equal(bal_n, 0); /* never from inside the call */
    run_for(b, 300);
    assert_int_equal(bal_n, 1);
    assert_int_equal(bal_got.status, SH_EIO);
    assert_true(bal_got.error[0] != '\0');
    sm->close(st);
    snprintf(settings, sizeof(settings), "{\"api_key\":\"k\",\"base_url\":\"http://127.0.0.1:%d\"}",
             port);
    assert_int_equal(sm->open(&env, settings, err, sizeof(err), &st), SH_OK);
    assert_int_equal(sm->balance(st, on_balance, NULL), SH_OK);
    run_for(b, 50);
    assert_int_equal(http_transport_pending(t), 1);
    sm->close(st);
    run_for(b, 50);
    assert_int_equal(bal_n, 1);
    http_transport_free(t);
    event_base_free(b);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transport_cancel),
        cmocka_unit_test(test_close_with_transfer_in_flight),
        cmocka_unit_test(test_unreachable_and_login_backoff),
        cmocka_unit_test(test_batch_window),
        cmocka_unit_test(test_open_and_no_transport),
        cmocka_unit_test(test_balance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
