"""16-prices: tariff administration (SPEC §7) — /v1/admin/prices CRUD, CSV import and export.

Platform administrators only (an API key and a plain user get 403). Money is a decimal string;
bad fields are named (422); a CSV import is all rows or none, naming every bad cell by line; the
export opens in a spreadsheet (header row, RFC 4180 quoting, UTF-8) and re-imports to the same
rows; deletes are soft; every change is audited."""

import csv
import io

from harness import Hub, main, check, check_eq

HEADER = "kind,credential_id,provider_id,project_id,country,prefix,unit_price,currency,valid_from,valid_to"


def test(hub):
    hub.bootstrap()
    hub.start()
    admin = hub.admin_token

    def req(method, path, body=None, headers=None, key=admin):
        h = {"Idempotency-Key": None}
        h.update(headers or {})
        return hub.request(method, path, body, headers=h, key=key)

    # only administrators
    r = req("GET", "/v1/admin/prices", key=hub.api_key)
    check_eq(r.status, 403, "API key on an admin route")

    r = req("POST", "/v1/admin/prices", {"kind": "cost", "credential_id": hub.credential_id,
                                         "country": "UZ", "unit_price": "0.045",
                                         "currency": "USD"})
    check_eq(r.status, 201, "create %r" % (r,))
    p = r.json
    check_eq((p["unit_price"], p["currency"], p["country"], p["prefix"], p["valid_from"]),
             ("0.045", "USD", "UZ", None, None), "created row")

    bad = [
        ({"kind": "cost", "unit_price": 0.045, "currency": "USD"}, "unit_price"),
        ({"kind": "cost", "unit_price": "0.0450001", "currency": "USD"}, "unit_price"),
        ({"kind": "cost", "unit_price": "-1", "currency": "USD"}, "unit_price"),
        ({"kind": "cost", "unit_price": "1", "currency": "usd"}, "currency"),
        ({"kind": "rent", "unit_price": "1", "currency": "USD"}, "kind"),
        ({"kind": "cost", "unit_price": "1", "currency": "USD", "prefix": "+998"}, "prefix"),
        ({"kind": "cost", "unit_price": "1", "currency": "USD", "country": "uzb"}, "country"),
        ({"kind": "cost", "unit_price": "1", "currency": "USD", "project_id": "prj_x"},
         "project_id"),
        ({"kind": "sell", "unit_price": "1", "currency": "USD", "credential_id": "cred_x"},
         "credential_id"),
        ({"kind": "cost", "unit_price": "1", "currency": "USD",
          "valid_from": "2026-02-01T00:00:00Z", "valid_to": "2026-01-01T00:00:00Z"}, "valid_to"),
        ({"kind": "cost", "unit_price": "1", "currency": "USD", "colour": "red"}, "colour"),
        ({"unit_price": "1", "currency": "USD"}, "kind"),
    ]
    for body, field in bad:
        r = req("POST", "/v1/admin/prices", body)
        check_eq(r.status, 422, "bad %r" % body)
        fields = [e["field"] for e in r.json.get("errors", [])]
        check(field in fields, "%r names %s: %r" % (body, field, r.json))

    r = req("PATCH", "/v1/admin/prices/" + p["id"], {"unit_price": "0.05",
                                                     "valid_to": "2030-01-01T00:00:00Z"})
    check_eq(r.status, 200, "patch")
    check_eq((r.json["unit_price"], r.json["valid_to"]), ("0.05", "2030-01-01T00:00:00.000Z"),
             "patched")
    r = req("PATCH", "/v1/admin/prices/" + p["id"], {"kind": "sell"})
    check_eq(r.status, 422, "kind is immutable")
    check_eq(req("GET", "/v1/admin/prices/price_nope").status, 404, "unknown id")

    # CSV import: all or nothing
    good = "\r\n".join([
        HEADER,
        "cost,%s,,,,99890,0.02,USD,2026-01-01T00:00:00Z," % hub.credential_id,
        "cost,,simulator,,,,0.06,USD,,",
        "sell,,,%s,UZ,,\"0.08\",USD,," % hub.project_id,
    ]) + "\r\n"
    r = req("POST", "/v1/admin/prices/import", good, {"Content-Type": "text/csv"})
    check_eq(r.status, 201, "import %r" % (r,))
    check_eq(r.json["imported"], 3, "imported rows")

    broken = "\n".join([HEADER, "cost,,simulator,,,,0.06,USD,,", "cost,,,,,,abc,USD,,",
                        "sell,,,,,12x,1,EURO,,"]) + "\n"
    r = req("POST", "/v1/admin/prices/import", broken, {"Content-Type": "text/csv"})
    check_eq(r.status, 422, "bad import")
    fields = sorted(e["field"] for e in r.json["errors"])
    check_eq(fields, ["line 3.unit_price", "line 4.currency", "line 4.prefix"], "bad cells")
    r = req("POST", "/v1/admin/prices/import", "kind,price\ncost,1\n", {"Content-Type": "text/csv"})
    check_eq((r.status, r.json["errors"][0]["field"]), (422, "header"), "bad header")
    r = req("POST", "/v1/admin/prices/import", HEADER + '\ncost,"open,,,,,1,USD,,\n',
            {"Content-Type": "text/csv"})
    check_eq(r.status, 422, "malformed CSV")
    r = req("POST", "/v1/admin/prices/import", good, {"Content-Type": "application/json"})
    check_eq(r.status, 415, "import needs text/csv")

    r = req("GET", "/v1/admin/prices?limit=100")
    check_eq(len(r.json["data"]), 4, "rows after the imports (the failed ones added nothing)")
    r = req("GET", "/v1/admin/prices?kind=sell")
    check_eq([x["unit_price"] for x in r.json["data"]], ["0.08"], "filter by kind")

    # export: a spreadsheet reads it, and it re-imports to the same rows
    r = req("GET", "/v1/admin/prices/export")
    check_eq(r.status, 200, "export")
    check(r.headers["content-type"].startswith("text/csv"), "CSV content type")
    rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8"))))
    check_eq(",".join(rows[0]), HEADER, "header row")
    check_eq(len(rows), 5, "header + 4 rows")
    check(r.raw.endswith(b"\r\n"), "CRLF line ends (RFC 4180)")

    r = req("DELETE", "/v1/admin/prices/" + p["id"])
    check_eq(r.status, 204, "delete")
    check_eq(req("GET", "/v1/admin/prices/" + p["id"]).status, 404, "deleted is gone")
    check_eq(req("DELETE", "/v1/admin/prices/" + p["id"]).status, 404, "delete twice")

    audit = hub.query("SELECT action, actor_type, object_id FROM audit_log "
                      "WHERE object_type = 'price' ORDER BY id")
    actions = [a[0] for a in audit]
    check_eq(actions, ["price.create", "price.update", "price.import", "price.delete"],
             "audited changes")
    check(all(a[1] == "user" for a in audit), "actor is the admin user")


if __name__ == "__main__":
    main(test)
