/* mailer.c — see mailer.h. One worker thread drains a ring of messages through libcurl's
 * SMTP client. */
#include "core/mailer.h"
#include "lib/clock.h"
#include "lib/xalloc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mail {
    char *to;
    char *text; /* headers + body, CRLF lines */
};

struct mailer {
    char url[256];
    char from[256];
    const struct log *log;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int stop;
    size_t head, n;
    struct mail q[MAILER_QUEUE];
};

struct upload {
    const char *p;
    size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static void deliver(struct mailer *m, const struct mail *mail)
{
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    struct upload up = {mail->text, strlen(mail->text)};
    char from[300];

    if (c == NULL)
        return;
    snprintf(from, sizeof(from), "<%s>", m->from);
    rcpt = curl_slist_append(rcpt, mail->to);
    curl_easy_setopt(c, CURLOPT_URL, m->url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        LOG_WARNF(m->log, "mailer: sending a message failed: %s", curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
}

static void mail_free(struct mail *mail)
{
    if (mail->text != NULL)
        sodium_memzero(mail->text, strlen(mail->text));
    free(mail->text);
    free(mail->to);
    mail->text = mail->to = NULL;
}

static void *worker(void *arg)
{
    struct mailer *m = arg;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (m->n == 0 && !m->stop)
            pthread_cond_wait(&m->cv, &m->mu);
        if (m->n == 0)
            break;
        struct mail mail = m->q[m->head];
        m->head = (m->head + 1) % MAILER_QUEUE;
        m->n--;
        pthread_mutex_unlock(&m->mu);
        deliver(m, &mail);
        mail_free(&mail);
        pthread_mutex_lock(&m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

struct mailer *mailer_new(const char *url, const char *from, const struct log *log)
{
    struct mailer *m = xcalloc(1, sizeof(*m));
    snprintf(m->url, sizeof(m->url), "%s", url != NULL ? url : "");
    snprintf(m->from, sizeof(m->from), "%s", from != NULL && *from ? from : "smshub@localhost");
    m->log = log;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    if (m->url[0] != '\0') {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (pthread_create(&m->thread, NULL, worker, m) != 0)
            m->url[0] = '\0';
    }
    return m;
}

void mailer_free(struct mailer *m)
{
    if (m == NULL)
        return;
    if (m->url[0] != '\0') {
        pthread_mutex_lock(&m->mu);
        m->stop = 1;
        pthread_cond_signal(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->thread, NULL);
        curl_global_cleanup();
    }
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

int mailer_enabled(const struct mailer *m)
{
    return m != NULL && m->url[0] != '\0';
}

int mailer_send(struct mailer *m, const char *to, const char *subject, const char *body)
{
    char date[40];
    int ok = 0;

    if (!mailer_enabled(m)) {
        if (m != NULL)
            LOG_WARNF(m->log, "mailer: no SMTP server configured (SMSHUB_SMTP_URL); a message "
                              "was dropped");
        return -1;
    }
    /* header injection: the address and subject go into header lines */
    if (strpbrk(to, "\r\n<>") != NULL || strpbrk(subject, "\r\n") != NULL) {
        LOG_WARNF(m->log, "mailer: refused a message with a malformed address or subject");
        return -1;
    }
    clock_fmt_rfc3339(clock_now_ms(), date, sizeof(date));
    size_t cap = strlen(to) + strlen(subject) + strlen(body) + strlen(m->from) + 256;
    char *text = xmalloc(cap);
    snprintf(text, cap,
             "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nX-Smshub-Date: %s\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
             m->from, to, subject, date, body);
    pthread_mutex_lock(&m->mu);
    if (m->n < MAILER_QUEUE && !m->stop) {
        struct mail *slot = &m->q[(m->head + m->n) % MAILER_QUEUE];
        slot->to = xstrdup(to);
        slot->text = text;
        m->n++;
        ok = 1;
        pthread_cond_signal(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    if (!ok) {
        sodium_memzero(text, strlen(text));
        free(text);
        LOG_WARNF(m->log, "mailer: queue full; a message was dropped");
        return -1;
    }
    return 0;
}
