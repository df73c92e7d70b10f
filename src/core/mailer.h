/*
 * mailer.h — outgoing e-mail over SMTP (libcurl) for password resets and address
 * verification. Messages are queued (bounded) and sent by one worker thread, so a request
 * never waits for the mail server and its timing does not reveal whether an account exists.
 * Message bodies hold single-use tokens: they are never logged.
 */
#ifndef SH_CORE_MAILER_H
#define SH_CORE_MAILER_H

#include "lib/log.h"

#define MAILER_QUEUE 64

struct mailer;

/* Starts the worker. url "smtp://host:port" (or smtps://), from an address; url NULL or ""
 * → a mailer that drops every message (logged once per message, without its body). log
 * borrowed for the mailer's life. Returns new (mailer_free). Call before other threads
 * use libcurl (it runs curl_global_init). */
struct mailer *mailer_new(const char *url, const char *from, const struct log *log);

/* Sends what is queued (each with a 10 s timeout), stops the worker and frees. NULL no-op. */
void mailer_free(struct mailer *m);

/* Queues a plain-text message (copied). Returns 0, or -1 when the queue is full, the mailer
 * has no server, or to/subject hold a line break or angle bracket. Any thread. */
int mailer_send(struct mailer *m, const char *to, const char *subject, const char *body);

/* 1 when an SMTP server is configured. */
int mailer_enabled(const struct mailer *m);

#endif
