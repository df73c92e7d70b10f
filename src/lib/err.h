/*
 * err.h — the one status enum of the project.
 *
 * 0 is success, negative values are errors, SH_AGAIN asks the caller to come back
 * later (flow control, like NGX_AGAIN). Every module returns these; user-facing detail
 * is built at the API boundary, never here.
 */
#ifndef SH_ERR_H
#define SH_ERR_H

enum sh_status {
    SH_OK = 0,
    SH_AGAIN = -1,  /* try again later: queue full, not ready yet */
    SH_EINVAL = -2, /* invalid argument or input */
    SH_ENOMEM = -3, /* allocation failed (only where we do not abort) */
    SH_EIO = -4,    /* I/O or storage failure */
    SH_ENOTFOUND = -5,
    SH_EEXIST = -6,  /* already exists / conflict */
    SH_ETOOBIG = -7, /* over a size limit */
    SH_ETIMEDOUT = -8,
    SH_ECLOSED = -9, /* shutting down / closed */
    SH_EFULL = -10,  /* storage full (disk full, read-only) */
    SH_EPERM = -11,
};

/* Returns a static string naming st; never NULL. Any thread. */
const char *sh_strerror(int st);

#endif
