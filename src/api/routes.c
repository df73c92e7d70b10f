/*
 * routes.c — the route table and matcher. Every endpoint is one line here; tests walk this
 * table (e.g. to check every authenticated route refuses a missing key).
 */
#include "api/api.h"

#include <string.h>

const struct route api_routes[] = {
    {"GET", "/healthz", api_healthz, 0, NULL},
    {"GET", "/readyz", api_readyz, 0, NULL},
    {"GET", "/v1/openapi.json", api_openapi, 0, NULL},
    {"POST", "/v1/messages", api_messages_create, ROUTE_AUTH | ROUTE_BODY, "messages:send"},
    {"GET", "/v1/messages", api_messages_list, ROUTE_AUTH, "messages:read"},
    {"GET", "/v1/messages/{id}", api_messages_get, ROUTE_AUTH, "messages:read"},

    /* identity: users, OAuth2, projects, memberships, audit (api/users.c, oauth.c, …) */
    {"POST", "/oauth/token", api_oauth_token, ROUTE_FORM, NULL},
    {"POST", "/v1/auth/refresh", api_auth_refresh, ROUTE_BODY, NULL},
    {"POST", "/v1/auth/logout", api_auth_logout, ROUTE_AUTH, NULL},
    {"POST", "/v1/auth/password-reset", api_auth_reset_request, ROUTE_BODY, NULL},
    {"POST", "/v1/auth/password-reset/confirm", api_auth_reset_confirm, ROUTE_BODY, NULL},
    {"POST", "/v1/auth/verify-email/confirm", api_auth_verify_confirm, ROUTE_BODY, NULL},
    {"GET", "/v1/me", api_me_get, ROUTE_AUTH | ROUTE_USER, NULL},
    {"PATCH", "/v1/me", api_me_update, ROUTE_AUTH | ROUTE_USER | ROUTE_BODY, NULL},
    {"POST", "/v1/me/password", api_me_password, ROUTE_AUTH | ROUTE_USER | ROUTE_BODY, NULL},
    {"POST", "/v1/me/verify-email", api_me_verify_email, ROUTE_AUTH | ROUTE_USER, NULL},
    {"POST", "/v1/admin/users", api_admin_users_create, ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY,
     NULL},
    {"GET", "/v1/admin/users", api_admin_users_list, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"GET", "/v1/admin/users/{id}", api_admin_users_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/users/{id}", api_admin_users_update, ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY,
     NULL},
    {"DELETE", "/v1/admin/users/{id}", api_admin_users_delete, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"POST", "/v1/admin/projects", api_admin_projects_create, ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY,
     NULL},
    {"GET", "/v1/admin/projects", api_admin_projects_list, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"GET", "/v1/admin/projects/{id}", api_admin_projects_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/projects/{id}", api_admin_projects_update,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY, NULL},
    {"DELETE", "/v1/admin/projects/{id}", api_admin_projects_delete, ROUTE_AUTH | ROUTE_ADMIN,
     NULL},
    {"GET", "/v1/admin/audit", api_admin_audit, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"GET", "/v1/projects", api_projects_mine, ROUTE_AUTH | ROUTE_USER, NULL},
    {"GET", "/v1/projects/{id}/members", api_members_list, ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT,
     NULL, "admin"},
    {"POST", "/v1/projects/{id}/members", api_members_add,
     ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT | ROUTE_BODY, NULL, "admin"},
    {"PATCH", "/v1/projects/{id}/members/{user_id}", api_members_update,
     ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT | ROUTE_BODY, NULL, "admin"},
    {"DELETE", "/v1/projects/{id}/members/{user_id}", api_members_delete,
     ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT, NULL, "admin"},
    {"GET", "/v1/projects/{id}/clients", api_clients_list, ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT,
     NULL, "admin"},
    {"POST", "/v1/projects/{id}/clients", api_clients_create,
     ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT | ROUTE_BODY, NULL, "admin"},
    {"DELETE", "/v1/projects/{id}/clients/{client_id}", api_clients_delete,
     ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT, NULL, "admin"},
    {"GET", "/v1/projects/{id}/audit", api_project_audit, ROUTE_AUTH | ROUTE_USER | ROUTE_PROJECT,
     NULL, "owner"},

    /* API keys, signing, allowlists, limits (api/keys.c, security.c, limits.c) */
    {"POST", "/v1/projects/{id}/api-keys", api_keys_create, ROUTE_AUTH | ROUTE_BODY | ROUTE_PROJECT,
     "keys:manage", "admin"},
    {"GET", "/v1/projects/{id}/api-keys", api_keys_list, ROUTE_AUTH | ROUTE_PROJECT, "keys:manage",
     "admin"},
    {"GET", "/v1/projects/{id}/api-keys/{kid}", api_keys_get, ROUTE_AUTH | ROUTE_PROJECT,
     "keys:manage", "admin"},
    {"DELETE", "/v1/projects/{id}/api-keys/{kid}", api_keys_revoke, ROUTE_AUTH | ROUTE_PROJECT,
     "keys:manage", "admin"},
    {"POST", "/v1/projects/{id}/api-keys/{kid}/rotate", api_keys_rotate,
     ROUTE_AUTH | ROUTE_BODY | ROUTE_PROJECT, "keys:manage", "admin"},
    {"GET", "/v1/projects/{id}/security", api_security_get, ROUTE_AUTH | ROUTE_PROJECT,
     "security:manage", "owner"},
    {"PATCH", "/v1/projects/{id}/security", api_security_patch,
     ROUTE_AUTH | ROUTE_BODY | ROUTE_PROJECT, "security:manage", "owner"},
    {"POST", "/v1/projects/{id}/security/signing-secret", api_security_secret,
     ROUTE_AUTH | ROUTE_PROJECT, "security:manage", "owner"},
    {"GET", "/v1/admin/projects/{id}/limits", api_limits_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/projects/{id}/limits", api_limits_patch,
     ROUTE_AUTH | ROUTE_BODY | ROUTE_ADMIN, NULL},
    {"GET", "/v1/admin/limits", api_global_limits_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/limits", api_global_limits_patch, ROUTE_AUTH | ROUTE_BODY | ROUTE_ADMIN,
     NULL},

    /* provider catalog, credentials, routes (api/providers.c, credentials.c, route_rules.c) */
    {"GET", "/v1/providers", api_providers_usable, ROUTE_AUTH, "providers:read"},
    {"GET", "/v1/admin/providers", api_admin_providers_list, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"POST", "/v1/admin/providers", api_admin_providers_create,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY, NULL},
    {"GET", "/v1/admin/providers/{id}", api_admin_providers_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/providers/{id}", api_admin_providers_update,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY, NULL},
    {"DELETE", "/v1/admin/providers/{id}", api_admin_providers_delete, ROUTE_AUTH | ROUTE_ADMIN,
     NULL},
    {"GET", "/v1/admin/projects/{id}/providers", api_credentials_list,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_PROJECT, NULL},
    {"POST", "/v1/admin/projects/{id}/providers", api_credentials_create,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_PROJECT | ROUTE_BODY, NULL},
    {"GET", "/v1/admin/projects/{id}/providers/{pid}", api_credentials_get,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_PROJECT, NULL},
    {"PATCH", "/v1/admin/projects/{id}/providers/{pid}", api_credentials_update,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_PROJECT | ROUTE_BODY, NULL},
    {"DELETE", "/v1/admin/projects/{id}/providers/{pid}", api_credentials_delete,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_PROJECT, NULL},
    {"POST", "/v1/admin/projects/{id}/providers/{pid}/test", api_credentials_test,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_PROJECT | ROUTE_BODY, NULL},
    {"GET", "/v1/admin/projects/{id}/providers/{pid}/balance", api_credentials_balance,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_PROJECT, NULL},
    {"GET", "/v1/projects/{id}/routes", api_routes_list, ROUTE_AUTH | ROUTE_PROJECT,
     "routing:read", "admin"},
    {"POST", "/v1/projects/{id}/routes", api_routes_create,
     ROUTE_AUTH | ROUTE_PROJECT | ROUTE_BODY, "routing:write", "admin"},
    {"GET", "/v1/projects/{id}/routes/{rid}", api_routes_get, ROUTE_AUTH | ROUTE_PROJECT,
     "routing:read", "admin"},
    {"PATCH", "/v1/projects/{id}/routes/{rid}", api_routes_update,
     ROUTE_AUTH | ROUTE_PROJECT | ROUTE_BODY, "routing:write", "admin"},
    {"DELETE", "/v1/projects/{id}/routes/{rid}", api_routes_delete, ROUTE_AUTH | ROUTE_PROJECT,
     "routing:write", "admin"},
    {"GET", "/v1/projects/{id}/dispatch", api_dispatch_get, ROUTE_AUTH | ROUTE_PROJECT,
     "routing:read", "admin"},
    {"PATCH", "/v1/projects/{id}/dispatch", api_dispatch_update,
     ROUTE_AUTH | ROUTE_PROJECT | ROUTE_BODY, "routing:write", "admin"},

    /* provider health, callbacks (api/health_api.c) */
    {"GET", "/v1/admin/providers/{id}/health", api_provider_health, ROUTE_AUTH | ROUTE_ADMIN,
     NULL},
    {"GET", "/v1/projects/{id}/webhook-secret", api_webhook_secret,
     ROUTE_AUTH | ROUTE_PROJECT | ROUTE_USER, NULL, "owner"},
    /* provider pushes (api/callbacks.c): no auth, the token names the credential */
    {"POST", "/v1/callbacks/{driver}/{token}", api_provider_callback, 0, NULL},
    {"GET", "/v1/callbacks/{driver}/{token}", api_provider_callback, 0, NULL},

    /* SMPP accounts (api/smpp_accounts.c) */
    {"GET", "/v1/projects/{id}/smpp-accounts", api_smpp_accounts_list,
     ROUTE_AUTH | ROUTE_PROJECT, "smpp:read", "admin"},
    {"POST", "/v1/projects/{id}/smpp-accounts", api_smpp_accounts_create,
     ROUTE_AUTH | ROUTE_PROJECT | ROUTE_BODY, "smpp:write", "admin"},
    {"GET", "/v1/projects/{id}/smpp-accounts/{aid}", api_smpp_accounts_get,
     ROUTE_AUTH | ROUTE_PROJECT, "smpp:read", "admin"},
    {"PATCH", "/v1/projects/{id}/smpp-accounts/{aid}", api_smpp_accounts_update,
     ROUTE_AUTH | ROUTE_PROJECT | ROUTE_BODY, "smpp:write", "admin"},
    {"DELETE", "/v1/projects/{id}/smpp-accounts/{aid}", api_smpp_accounts_delete,
     ROUTE_AUTH | ROUTE_PROJECT, "smpp:write", "admin"},

    /* tariffs and billing (api/prices.c, prices_csv.c) */
    {"POST", "/v1/admin/prices", api_prices_create, ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY, NULL},
    {"GET", "/v1/admin/prices", api_prices_list, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"POST", "/v1/admin/prices/import", api_prices_import, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"GET", "/v1/admin/prices/export", api_prices_export, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"GET", "/v1/admin/prices/{id}", api_prices_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/prices/{id}", api_prices_patch, ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY,
     NULL},
    {"DELETE", "/v1/admin/prices/{id}", api_prices_delete, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"GET", "/v1/billing/balance", api_billing_balance, ROUTE_AUTH, "billing:read"},
    {"GET", "/v1/billing/transactions", api_billing_transactions, ROUTE_AUTH, "billing:read"},
    {"POST", "/v1/admin/billing/adjust", api_billing_adjust, ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY,
     NULL},
    {"PUT", "/v1/admin/billing/settings", api_billing_settings,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY, NULL},
    {"POST", "/v1/billing/webhooks/stripe", api_billing_stripe, ROUTE_BODY, NULL},
    {"GET", "/v1/usage", api_usage, ROUTE_AUTH, "usage:read"},
    {"GET", "/v1/usage/export", api_usage_export, ROUTE_AUTH, "usage:read"},
    {"GET", "/v1/admin/usage", api_admin_usage, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"GET", "/v1/admin/usage/export", api_admin_usage_export, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"POST", "/v1/admin/usage/rebuild", api_admin_usage_rebuild,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_BODY, NULL},

    /* cluster (api/nodes.c) */
    {"GET", "/v1/admin/nodes", api_nodes_list, ROUTE_AUTH | ROUTE_ADMIN, NULL},

    {NULL, NULL, NULL, 0, NULL},
};

/* Matches path against pattern segment by segment; {x} matches one non-empty segment. */
static int match(struct http_req *r, const char *pattern, const char *path, int capture)
{
    int np = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern == '{') {
            const char *pend = strchr(pattern, '}');
            size_t seg = strcspn(path, "/");
            if (pend == NULL || seg == 0 || np >= HTTP_MAX_PARAMS)
                return 0;
            if (capture)
                r->params[np] = arena_strndup(&r->arena, path, seg);
            np++;
            pattern = pend + 1;
            path += seg;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

const struct route *api_route_match(struct http_req *r, const char *method, const char *path,
                                    int *path_known)
{
    *path_known = 0;
    for (const struct route *rt = api_routes; rt->method != NULL; rt++) {
        if (!match(r, rt->pattern, path, 0))
            continue;
        if (strcmp(rt->method, method) == 0) {
            match(r, rt->pattern, path, 1);
            return rt;
        }
        *path_known = 1;
    }
    return NULL;
}
