/*
 * cidr.h — IP addresses and CIDR networks (IPv4 and IPv6) for the per-project allowlist
 * (SPEC §2.5) and the trusted-proxy setting, and the client address behind proxies.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is treated as the IPv4 address, so a dual-
 * stack listener matches IPv4 rules. Lists are words separated by spaces, tabs or commas;
 * a bare address is a /32 or /128 network. Pure; any thread.
 */
#ifndef SH_CORE_CIDR_H
#define SH_CORE_CIDR_H

#include <stddef.h>

#define CIDR_LIST_MAX 64   /* networks in one list */
#define CIDR_TEXT_MAX 2048 /* characters of one list */

struct cidr {
    int v6;                 /* 0: IPv4 (addr[0..3]), 1: IPv6 */
    unsigned char addr[16]; /* network bits; host bits are zero */
    int bits;               /* prefix length */
};

struct cidr_list {
    struct cidr net[CIDR_LIST_MAX];
    int n;
};

/* Parses one network ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7") of n bytes (no NUL
 * needed). Host bits set below the prefix are an error. SH_OK or SH_EINVAL. */
int cidr_parse(const char *s, size_t n, struct cidr *out);

/* Parses an address (NUL-terminated) into a /32 or /128. SH_OK or SH_EINVAL. */
int cidr_parse_ip(const char *s, struct cidr *out);

/* Parses a list (NUL-terminated; empty → n = 0). On SH_EINVAL *bad_at (may be NULL) is the
 * offset of the first bad word. */
int cidr_list_parse(const char *s, struct cidr_list *out, size_t *bad_at);

/* 1 when address ip (a /32 or /128) lies in net, else 0. */
int cidr_contains(const struct cidr *net, const struct cidr *ip);

/* 1 when ip lies in any network of l, else 0 (an empty list contains nothing). */
int cidr_list_contains(const struct cidr_list *l, const struct cidr *ip);

/*
 * The client's address: the peer unless the peer is in trusted, in which case the
 * X-Forwarded-For list xff (may be NULL) is walked from its right end, skipping trusted
 * hops; the first untrusted hop is the client. If every hop is trusted the leftmost one is;
 * a malformed hop stops the walk at the trusted hop right of it. Writes the text into out.
 */
void cidr_client_ip(const char *peer, const char *xff, const struct cidr_list *trusted, char *out,
                    size_t cap);

#endif
