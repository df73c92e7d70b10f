/* err.c — names for enum sh_status. */
#include "lib/err.h"

const char *sh_strerror(int st)
{
    switch (st) {
    case SH_OK:
        return "ok";
    case SH_AGAIN:
        return "try again";
    case SH_EINVAL:
        return "invalid argument";
    case SH_ENOMEM:
        return "out of memory";
    case SH_EIO:
        return "i/o error";
    case SH_ENOTFOUND:
        return "not found";
    case SH_EEXIST:
        return "already exists";
    case SH_ETOOBIG:
        return "too big";
    case SH_ETIMEDOUT:
        return "timed out";
    case SH_ECLOSED:
        return "closed";
    case SH_EFULL:
        return "storage full or read-only";
    case SH_EPERM:
        return "not permitted";
    }
    return "unknown error";
}
