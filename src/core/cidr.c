/* cidr.c — see cidr.h. */
#include "core/cidr.h"
#include "lib/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses an address text of n bytes into out (bits = full length). */
static int parse_addr(const char *s, size_t n, struct cidr *out)
{
    char buf[64];
    unsigned char a6[16];
    if (n == 0 || n >= sizeof(buf))
        return SH_EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->bits = 32;
        return SH_OK;
    }
    if (inet_pton(AF_INET6, buf, a6) != 1)
        return SH_EINVAL;
    if (memcmp(a6, v4mapped, 12) == 0) {
        memcpy(out->addr, a6 + 12, 4);
        out->bits = 32;
        return SH_OK;
    }
    memcpy(out->addr, a6, 16);
    out->v6 = 1;
    out->bits = 128;
    return SH_OK;
}

int cidr_parse(const char *s, size_t n, struct cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash != NULL ? (size_t)(slash - s) : n;
    int max, bits;

    if (parse_addr(s, alen, out) != SH_OK)
        goto bad;
    int mapped = !out->v6 && memchr(s, ':', alen) != NULL; /* ::ffff:a.b.c.d */
    max = out->v6 ? 128 : 32;
    bits = max;
    if (slash != NULL) {
        size_t dl = n - alen - 1;
        if (dl == 0 || dl > 3)
            goto bad;
        bits = 0;
        for (size_t i = 0; i < dl; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9')
                goto bad;
            bits = bits * 10 + (c - '0');
        }
        /* a mapped address counts its prefix on the IPv6 scale */
        if (mapped) {
            if (bits < 96 || bits > 128)
                goto bad;
            bits -= 96;
        }
        if (bits > max)
            goto bad;
    }
    out->bits = bits;
    for (int i = bits; i < max; i++)
        if (out->addr[i / 8] & (0x80 >> (i % 8)))
            goto bad;
    return SH_OK;
bad:
    memset(out, 0, sizeof(*out));
    return SH_EINVAL;
}

int cidr_parse_ip(const char *s, struct cidr *out)
{
    return parse_addr(s, strnlen(s, 64), out);
}

static int is_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r';
}

int cidr_list_parse(const char *s, struct cidr_list *out, size_t *bad_at)
{
    size_t i = 0, len = strnlen(s, CIDR_TEXT_MAX + 1);
    out->n = 0;
    if (len > CIDR_TEXT_MAX) {
        if (bad_at != NULL)
            *bad_at = CIDR_TEXT_MAX;
        return SH_EINVAL;
    }
    while (i < len) {
        while (i < len && is_sep(s[i]))
            i++;
        size_t start = i;
        while (i < len && !is_sep(s[i]))
            i++;
        if (i == start)
            break;
        if (out->n >= CIDR_LIST_MAX ||
            cidr_parse(s + start, i - start, &out->net[out->n]) != SH_OK) {
            if (bad_at != NULL)
                *bad_at = start;
            out->n = 0;
            return SH_EINVAL;
        }
        out->n++;
    }
    return SH_OK;
}

int cidr_contains(const struct cidr *net, const struct cidr *ip)
{
    int full = net->bits / 8, rest = net->bits % 8;
    if (net->v6 != ip->v6)
        return 0;
    if (memcmp(net->addr, ip->addr, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

int cidr_list_contains(const struct cidr_list *l, const struct cidr *ip)
{
    for (int i = 0; i < l->n; i++)
        if (cidr_contains(&l->net[i], ip))
            return 1;
    return 0;
}

static int trusted_text(const char *s, size_t n, const struct cidr_list *trusted, int *valid)
{
    struct cidr ip;
    *valid = parse_addr(s, n, &ip) == SH_OK;
    return *valid && cidr_list_contains(trusted, &ip);
}

void cidr_client_ip(const char *peer, const char *xff, const struct cidr_list *trusted, char *out,
                    size_t cap)
{
    const char *best = peer;
    size_t best_len = strlen(peer);
    int valid;

    if (xff != NULL && trusted->n > 0 && trusted_text(peer, best_len, trusted, &valid)) {
        size_t end = strnlen(xff, 4096);
        while (end > 0) {
            size_t e = end, b;
            while (e > 0 && (xff[e - 1] == ' ' || xff[e - 1] == '\t'))
                e--;
            b = e;
            while (b > 0 && xff[b - 1] != ',')
                b--;
            size_t s = b;
            while (s < e && (xff[s] == ' ' || xff[s] == '\t'))
                s++;
            int trusted_hop = trusted_text(xff + s, e - s, trusted, &valid);
            if (!valid)
                break; /* malformed: keep the trusted hop that reported it */
            best = xff + s;
            best_len = e - s;
            if (!trusted_hop)
                break;
            end = b > 0 ? b - 1 : 0;
        }
    }
    snprintf(out, cap, "%.*s", (int)best_len, best);
}
