"""50-smpp-delivered: a credential with driver `smpp` pointing at `smshub smsc-sim`. Every
message is submitted exactly once (the simulator's log) and reaches `delivered` through the
deliver_sm receipts; the provider message id is the SMSC's message_id; a GSM text goes as
data_coding 0 with its septets, a Cyrillic one as UCS-2."""
from harness import check, check_eq, main, wait_for
from smsc import Smsc, use_smpp

N = 200


def test(hub):
    smsc = Smsc(hub, ["--dlr-delay-ms", "30", "--system-id", "hubtest",
                      "--password", "secret"]).start()
    cred = use_smpp(hub, smsc, window=20, binds=2)
    hub.start()

    ids = [hub.send(to="+99890%07d" % (1000000 + i), text="smpp hello %d" % i).json["id"]
           for i in range(N)]
    uni = hub.send(to="+998901112233", text="Привет").json["id"]
    ids.append(uni)

    def all_delivered():
        n = hub.scalar("SELECT count(*) FROM messages WHERE status = 3")
        return n == len(ids) and n
    wait_for(all_delivered, 30, "all %d messages delivered" % len(ids))

    subs = smsc.events("submit")
    check_eq(len(subs), len(ids), "submit_sm count at the SMSC")
    check(all(s["status"] == "ok" for s in subs), "statuses %r" % {s["status"] for s in subs})
    by_id = {s["message_id"]: s for s in subs}
    check_eq(len(by_id), len(ids), "distinct message ids")
    for mid in ids[:5] + [uni]:
        m = hub.get_message(mid)
        check_eq(m["credential_id"], cred, "credential used")
        check(m["provider_message_id"] in by_id, "pmid %r not in the SMSC log"
              % m["provider_message_id"])
        check_eq([e["status"] for e in m["timeline"]][-1], "delivered", "timeline end")
    s0 = by_id[hub.get_message(ids[0])["provider_message_id"]]
    check_eq(s0["data_coding"], 0, "GSM data_coding")
    check_eq(bytes.fromhex(s0["short_message"]), b"smpp hello 0", "GSM septets")
    check_eq(s0["destination"], "998901000000", "destination without +")
    su = by_id[hub.get_message(uni)["provider_message_id"]]
    check_eq(su["data_coding"], 8, "UCS-2 data_coding")
    check_eq(bytes.fromhex(su["short_message"]).decode("utf-16-be"), "Привет", "UCS-2 text")
    # every receipt acknowledged once
    check_eq(len(smsc.events("dlr")), len(ids), "receipts acknowledged")


if __name__ == "__main__":
    main(test)
