/*
 * prices.h — shared by the tariff handlers (prices.c: JSON CRUD, prices_csv.c: CSV import
 * and export). API internal.
 */
#ifndef SH_API_PRICES_H
#define SH_API_PRICES_H

#include "api/http.h"
#include "store/prices.h"

/* The row as the API shows it (money as a decimal string, times RFC 3339). Returns new. */
json_t *price_json(const struct price_row *p);

/* "cost" / "sell" → enum price_kind, or -1. */
int price_kind_parse(const char *s);
const char *price_kind_name(int kind);

/* Audits a change of tariffs made by r. */
void price_audit(struct http_req *r, struct audit_entry *e, const char *action, const char *id,
                 const char *before, const char *after);

#endif
