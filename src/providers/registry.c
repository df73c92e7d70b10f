/*
 * registry.c — the table of drivers. Adding a driver is one line here.
 */
#include "providers/provider.h"

#include <string.h>

extern const struct provider_ops provider_simulator_ops;
extern const struct provider_ops provider_smpp_ops;
extern const struct provider_ops provider_faulty_ops; /* test only: needs SMSHUB_TEST_HOOKS=1 */
extern const struct provider_ops provider_http_twilio_ops; /* providers/http/driver.c */
extern const struct provider_ops provider_http_vonage_ops;
extern const struct provider_ops provider_http_eskiz_ops;
extern const struct provider_ops provider_http_playmobile_ops;
extern const struct provider_ops provider_http_veevo_ops;
extern const struct provider_ops provider_http_smso_ops;
extern const struct provider_ops provider_http_cequens_ops;
extern const struct provider_ops provider_http_generic_ops;

static const struct provider_ops *const drivers[] = {
    &provider_simulator_ops,
    &provider_smpp_ops,
    &provider_faulty_ops,
    &provider_http_twilio_ops,
    &provider_http_vonage_ops,
    &provider_http_eskiz_ops,
    &provider_http_playmobile_ops,
    &provider_http_veevo_ops,
    &provider_http_smso_ops,
    &provider_http_cequens_ops,
    &provider_http_generic_ops,
};

const struct provider_ops *provider_find(const char *driver)
{
    if (driver == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        if (strcmp(drivers[i]->driver, driver) == 0)
            return drivers[i];
    }
    return NULL;
}
