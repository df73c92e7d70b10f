/*
 * xalloc.h — allocation that aborts on out-of-memory (as Redis zmalloc does).
 *
 * Network-fed sizes are capped before they reach these, so failure here means the
 * process is out of memory and cannot keep its promises anyway.
 */
#ifndef SH_XALLOC_H
#define SH_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
