/*
 * fuzz_cidr.c — libFuzzer target for core/cidr: cidr_list_parse, cidr_parse, and
 * cidr_client_ip with the input as X-Forwarded-For. Checks: a parsed network has no host
 * bits and a sane prefix, contains its own address, and the client address is the peer or
 * a substring of the header.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cidr.h"
#include "lib/err.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_cidr: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct cidr_list *l = malloc(sizeof(*l)), *trusted = malloc(sizeof(*trusted));
    struct cidr c, ip;
    char out[64];

    if (s == NULL || l == NULL || trusted == NULL)
        goto out;
    memcpy(s, data, size);
    s[size] = '\0';
    if (cidr_list_parse(s, l, NULL) == SH_OK) {
        check(l->n >= 0 && l->n <= CIDR_LIST_MAX, "list size");
        for (int i = 0; i < l->n; i++) {
            const struct cidr *n = &l->net[i];
            check(n->bits >= 0 && n->bits <= (n->v6 ? 128 : 32), "prefix length");
            check(cidr_contains(n, n), "a network contains its own address");
        }
    }
    if (cidr_parse(s, strnlen(s, size), &c) == SH_OK)
        check(c.bits <= 128, "prefix");
    cidr_parse_ip(s, &ip);
    cidr_list_parse("127.0.0.0/8 10.0.0.0/8 ::1", trusted, NULL);
    cidr_client_ip("127.0.0.1", s, trusted, out, sizeof(out));
    check(strcmp(out, "127.0.0.1") == 0 || strstr(s, out) != NULL, "client address from nowhere");
out:
    free(s);
    free(l);
    free(trusted);
    return 0;
}
