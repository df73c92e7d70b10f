/*
 * fuzz_smpp_mo.c — libFuzzer target for the `smpp` driver's MO intake: UDH/SAR parsing,
 * reassembly of concatenated parts (providers/smpp_mo.c) and text decoding by data_coding.
 *
 * The input is cut into records (1 length octet, then that many octets): a record's first
 * octets choose esm_class, data_coding, SAR reference/total/seq and the sender, the rest is
 * short_message. Each becomes a deliver_sm handed to smpp_inbound_deliver with a fake engine
 * that checks every message text is valid UTF-8 and answers after the call returns. Any
 * breach calls abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "providers/smpp_drv.h"
#include "smpp/pdu.h"
#include "smpp/session.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

struct owed {
    provider_inbound_done_cb done;
    void *arg;
};

struct fake {
    struct owed v[4096];
    size_t n;
    int fail;
};

static void check_utf8(const unsigned char *s)
{
    while (*s) {
        int k = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 : 3;
        CHECK(*s < 0x80 || (*s >= 0xC2 && *s <= 0xF4));
        for (int i = 1; i <= k; i++)
            CHECK((s[i] & 0xC0) == 0x80);
        s += k + 1;
    }
}

static int fake_inbound(void *arg, const struct provider_mo *mo, provider_inbound_done_cb done,
                        void *done_arg)
{
    struct fake *f = arg;
    CHECK(mo->text != NULL && mo->from != NULL && mo->to != NULL);
    check_utf8((const unsigned char *)mo->text);
    if (f->n >= sizeof(f->v) / sizeof(f->v[0]))
        return SH_EIO;
    f->v[f->n++] = (struct owed){done, done_arg};
    return SH_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fake f;
    struct log lg;
    struct provider_env env = {
        .log = &lg, .credential_id = "fuzz", .inbound = fake_inbound, .inbound_arg = &f};
    struct smpp_inbound *in;
    size_t off = 0;

    log_init(&lg, LOG_OFF, 2);
    f.n = 0;
    in = smpp_inbound_new(&env, 60000);
    while (off < size) {
        size_t n = data[off++];
        if (n > size - off)
            n = size - off;
        const uint8_t *r = data + off;
        off += n;
        if (n < 6)
            continue;
        struct smpp_pdu p;
        smpp_pdu_init(&p, SMPP_CMD_DELIVER_SM, 1);
        p.esm_class = r[0] & 0x43; /* UDHI and default type only: MO */
        p.data_coding = r[1];
        snprintf(p.source_addr, sizeof(p.source_addr), "99890%u", r[2] & 3);
        snprintf(p.destination_addr, sizeof(p.destination_addr), "7777");
        p.source_addr_ton = 1;
        if (r[3] & 0x80)
            smpp_pdu_set_sar(&p, r[3] & 0x7F, r[4], r[5]);
        smpp_pdu_set_short_message(&p, r + 6, n - 6 > 254 ? 254 : n - 6);
        (void)smpp_inbound_deliver(in, NULL, &p);
        smpp_pdu_release(&p);
        /* the engine answers later: every other message fails (put back), the rest stored */
        for (size_t i = 0; i < f.n; i++)
            f.v[i].done(f.v[i].arg, (i + r[0]) % 2 ? SH_OK : SH_EIO);
        f.n = 0;
    }
    smpp_inbound_tick(in);
    for (size_t i = 0; i < f.n; i++)
        f.v[i].done(f.v[i].arg, SH_OK);
    f.n = 0;
    smpp_inbound_free(in);
    return 0;
}
