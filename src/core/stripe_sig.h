/*
 * stripe_sig.h — Stripe-style webhook signatures (the `Stripe-Signature` header:
 * "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>">[,v1=…][,v0=…]"), verified with the
 * endpoint's secret within a timestamp tolerance; and amounts in a currency's minor units
 * turned into micro-units. Pure; any thread.
 */
#ifndef SH_CORE_STRIPE_SIG_H
#define SH_CORE_STRIPE_SIG_H

#include <stddef.h>
#include <stdint.h>

#define STRIPE_MAX_SIGS 4

struct stripe_sig {
    int64_t t;
    unsigned char v1[STRIPE_MAX_SIGS][32];
    int nv1;
};

/* Parses the header value. SH_OK, or SH_EINVAL (no t, no v1, bad hex, too long). Extra
 * schemes (v0, …) are ignored as Stripe documents. */
int stripe_sig_parse(const char *header, struct stripe_sig *out);

/* SH_OK when one v1 signature matches HMAC-SHA256(secret, t "." payload) (constant time) and
 * |now - t| <= tolerance_s; SH_ETIMEDOUT when only the time is off; SH_EPERM otherwise. */
int stripe_sig_verify(const struct stripe_sig *sig, const char *secret, const void *payload,
                      size_t len, int64_t now_s, int64_t tolerance_s);

/* Converts amount in the minor units of currency (ISO 4217, any case) to micro-units: two
 * decimals by default, none for JPY-like currencies, three for BHD-like ones (Stripe's lists).
 * SH_OK or SH_ETOOBIG. */
int stripe_minor_to_micro(int64_t amount, const char *currency, int64_t *out);

#endif
