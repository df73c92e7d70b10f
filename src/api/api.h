/*
 * api.h — the REST API: its context, the route table and the handlers' entry points.
 *
 * `struct api` is built by the daemon and borrowed by every request. Handlers take the
 * project from the authenticated principal, never from the request.
 */
#ifndef SH_API_API_H
#define SH_API_API_H

#include "api/http.h"
#include "core/message.h"

struct store;
struct engine;
struct auth_cache;
struct token_cache;
struct credcache;
struct pricecache;
struct lowbal;
struct sealer;
struct identity;
struct guard;

struct api {
    struct store *store;
    struct engine *engine;
    const struct log *log;
    struct msg_limits limits;
    struct auth_cache *auth;
    struct token_cache *tokens;
    struct credcache *creds;
    struct pricecache *prices;   /* tariffs and prepaid flags for the accept path, or NULL */
    struct lowbal *lowbal;       /* low-balance alerts (api/lowbal.h), or NULL */
    const struct sealer *sealer; /* seals and opens secrets at rest (core/seal.h) */
    struct guard *guard;         /* allowlists, signing, rate limits, quotas (api/guard.h) */
    const char *stripe_secret;   /* payment webhook signing secret, or NULL (disabled) */
    struct identity *identity;   /* token lifetimes, login throttles, mailer (api/identity.h) */
    atomic_int ready; /* set once migrations ran and the engine runs */
    const char *public_url; /* base URL providers call us at (callbacks), no trailing '/' */
};

enum route_flags {
    ROUTE_AUTH = 1 << 0,    /* Authorization: Bearer <API key or access token> required */
    ROUTE_BODY = 1 << 1,    /* a JSON body is expected (Content-Type checked: 415) */
    ROUTE_ADMIN = 1 << 2,   /* platform administrators only (403 for everyone else) */
    ROUTE_PROJECT = 1 << 3, /* params[0] is a project id the principal must reach (else 404) */
    ROUTE_USER = 1 << 4,    /* a user's access token only (not a key or client) */
    ROUTE_FORM = 1 << 5,    /* an application/x-www-form-urlencoded body (415 otherwise) */
};

struct route {
    const char *method;
    const char *pattern; /* "/v1/messages/{id}" */
    int (*handler)(struct http_req *r);
    unsigned flags;
    const char *scope;    /* scope an API key or client token needs, or NULL */
    const char *min_role; /* least role a user needs in the project ("viewer" … "owner"),
                             NULL: "viewer" for GET, "member" otherwise */
};

/* The route table (NULL-terminated by a zero entry). */
extern const struct route api_routes[];

/*
 * Finds the route for method + path, filling r->params. Returns the route, or NULL with
 * *path_known set when another method would match (405).
 */
const struct route *api_route_match(struct http_req *r, const char *method, const char *path,
                                    int *path_known);

/* Authenticates the Bearer API key or access token of r into r->principal and applies the
 * route's guards (admin, project reach, scope or role, allowlist, signing, rate limits),
 * answering 401/403/404/429 itself when one fails. Returns 0 when the request may go on. */
int api_authenticate(struct http_req *r, const struct route *route);

struct audit_entry;

/* Fills e's actor, project, source address and request id from r (zeroing the rest); the
 * caller sets action, object and before/after. Strings borrowed from r. */
void api_audit_actor(const struct http_req *r, struct audit_entry *e);

/* Handlers */
int api_messages_create(struct http_req *r);
int api_messages_get(struct http_req *r);
int api_messages_list(struct http_req *r);
int api_healthz(struct http_req *r);
int api_readyz(struct http_req *r);
int api_openapi(struct http_req *r);
int api_provider_health(struct http_req *r);
int api_webhook_secret(struct http_req *r);
/* API keys, request security, limits (api/keys.c, security.c, limits.c) */
int api_keys_create(struct http_req *r);
int api_keys_list(struct http_req *r);
int api_keys_get(struct http_req *r);
int api_keys_revoke(struct http_req *r);
int api_keys_rotate(struct http_req *r);
int api_security_get(struct http_req *r);
int api_security_patch(struct http_req *r);
int api_security_secret(struct http_req *r);
int api_limits_get(struct http_req *r);
int api_limits_patch(struct http_req *r);
int api_global_limits_get(struct http_req *r);
int api_global_limits_patch(struct http_req *r);
int api_oauth_token(struct http_req *r);
int api_nodes_list(struct http_req *r);
int api_prices_create(struct http_req *r);
int api_prices_list(struct http_req *r);
int api_prices_get(struct http_req *r);
int api_prices_patch(struct http_req *r);
int api_prices_delete(struct http_req *r);
int api_prices_import(struct http_req *r);
int api_prices_export(struct http_req *r);
int api_billing_balance(struct http_req *r);
int api_billing_transactions(struct http_req *r);
int api_billing_adjust(struct http_req *r);
int api_billing_stripe(struct http_req *r);
int api_billing_settings(struct http_req *r);
int api_provider_callback(struct http_req *r); /* api/callbacks.c */
int api_usage(struct http_req *r);
int api_usage_export(struct http_req *r);
int api_admin_usage(struct http_req *r);
int api_admin_usage_export(struct http_req *r);
int api_admin_usage_rebuild(struct http_req *r);

/* provider catalog (providers.c), credentials (credentials.c), routing (route_rules.c) */
int api_providers_usable(struct http_req *r);
int api_admin_providers_list(struct http_req *r);
int api_admin_providers_create(struct http_req *r);
int api_admin_providers_get(struct http_req *r);
int api_admin_providers_update(struct http_req *r);
int api_admin_providers_delete(struct http_req *r);
int api_credentials_list(struct http_req *r);
int api_credentials_create(struct http_req *r);
int api_credentials_get(struct http_req *r);
int api_credentials_update(struct http_req *r);
int api_credentials_delete(struct http_req *r);
int api_credentials_test(struct http_req *r);
int api_credentials_balance(struct http_req *r); /* api/cred_balance.c */
int api_routes_list(struct http_req *r);
int api_routes_create(struct http_req *r);
int api_routes_get(struct http_req *r);
int api_routes_update(struct http_req *r);
int api_routes_delete(struct http_req *r);
int api_dispatch_get(struct http_req *r);
int api_dispatch_update(struct http_req *r);
/* SMPP accounts (api/smpp_accounts.c) */
int api_smpp_accounts_list(struct http_req *r);
int api_smpp_accounts_create(struct http_req *r);
int api_smpp_accounts_get(struct http_req *r);
int api_smpp_accounts_update(struct http_req *r);
int api_smpp_accounts_delete(struct http_req *r);
/* identity (api/oauth.c, users.c, reset.c, projects.c, audit_api.c) */
int api_auth_refresh(struct http_req *r);
int api_auth_logout(struct http_req *r);
int api_admin_users_create(struct http_req *r);
int api_admin_users_list(struct http_req *r);
int api_admin_users_get(struct http_req *r);
int api_admin_users_update(struct http_req *r);
int api_admin_users_delete(struct http_req *r);
int api_me_get(struct http_req *r);
int api_me_update(struct http_req *r);
int api_me_password(struct http_req *r);
int api_me_verify_email(struct http_req *r);
int api_auth_reset_request(struct http_req *r);
int api_auth_reset_confirm(struct http_req *r);
int api_auth_verify_confirm(struct http_req *r);
int api_admin_projects_create(struct http_req *r);
int api_admin_projects_list(struct http_req *r);
int api_admin_projects_get(struct http_req *r);
int api_admin_projects_update(struct http_req *r);
int api_admin_projects_delete(struct http_req *r);
int api_projects_mine(struct http_req *r);
int api_members_list(struct http_req *r);
int api_members_add(struct http_req *r);
int api_members_update(struct http_req *r);
int api_members_delete(struct http_req *r);
int api_clients_create(struct http_req *r);
int api_clients_list(struct http_req *r);
int api_clients_delete(struct http_req *r);
int api_admin_audit(struct http_req *r);
int api_project_audit(struct http_req *r);

/* docs/openapi.json, embedded at build time (NUL-terminated). */
extern const char api_openapi_json[];
extern const unsigned long api_openapi_json_len;

#endif
