/*
 * registry.c — the table of drivers. Adding a driver is one line here.
 */
#include "providers/provider.h"

#include <string.h>

extern const struct provider_ops provider_simulator_ops;
extern const struct provider_ops provider_smpp_ops;

static const struct provider_ops *const drivers[] = {
    &provider_simulator_ops,
    &provider_smpp_ops,
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
