/*
 * tls.h — TLS for SMPP connections (SMPP over TLS, as carriers offer it on a separate port):
 * OpenSSL contexts for the ESME side (verify the SMSC's certificate against a CA file or the
 * system store, by host name or IP address) and for a listener (certificate + key files), and
 * libevent OpenSSL bufferevents over them. The SMPP byte stream is unchanged inside.
 * Contexts are built once (any thread) and used on one event_base's thread.
 */
#ifndef SH_SMPP_TLS_H
#define SH_SMPP_TLS_H

#include <stddef.h>

struct bufferevent;
struct event_base;
typedef struct ssl_ctx_st SSL_CTX;

/*
 * A client context: TLS 1.2 or later; verify 1 checks the peer's chain against ca_file (a PEM
 * file; NULL or "": the system's default store). Returns new (smpp_tls_ctx_free) or NULL with
 * a message in err.
 */
SSL_CTX *smpp_tls_client_ctx(const char *ca_file, int verify, char *err, size_t cap);

/* A server context from PEM certificate (chain) and key files. Returns new or NULL + err. */
SSL_CTX *smpp_tls_server_ctx(const char *cert_file, const char *key_file, char *err, size_t cap);

void smpp_tls_ctx_free(SSL_CTX *ctx);

/*
 * A bufferevent that will connect (bufferevent_socket_connect) and then handshake as a
 * client to host (an IP literal is checked against the certificate's IP addresses, a name
 * against its DNS names and sent as SNI) when verify. Returns new (BEV_OPT_CLOSE_ON_FREE) or
 * NULL.
 */
struct bufferevent *smpp_tls_bev_client(struct event_base *base, SSL_CTX *ctx, const char *host,
                                        int verify);

/* A bufferevent accepting a TLS handshake on the accepted socket fd (closed on free). */
struct bufferevent *smpp_tls_bev_server(struct event_base *base, SSL_CTX *ctx, int fd);

/* Whether bev is a TLS bufferevent (raw socket writes must not bypass it). */
int smpp_tls_is(struct bufferevent *bev);

/* The last OpenSSL error of bev as text into out (e.g. "certificate verify failed"). */
void smpp_tls_error(struct bufferevent *bev, char *out, size_t cap);

#endif
