/* masterkey.c — see masterkey.h. */
#include "daemon/masterkey.h"
#include "lib/err.h"
#include "lib/id.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void derive_id(struct master_key *k)
{
    unsigned char h[32];
    crypto_hash_sha256(h, k->key, sizeof(k->key));
    hex_encode(h, 8, k->id);
}

static int create_key(const char *path, struct master_key *out, char *err, size_t errcap)
{
    char hex[65];
    char dir[512];
    int fd;

    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errcap, "cannot create directory for the master key file %s", path);
            return SH_EIO;
        }
    }
    randombytes_buf(out->key, sizeof(out->key));
    hex_encode(out->key, sizeof(out->key), hex);
    hex[64] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, hex, 65) != 65 || fsync(fd) != 0) {
        snprintf(err, errcap, "cannot create the master key file %s", path);
        if (fd >= 0)
            close(fd);
        sodium_memzero(hex, sizeof(hex));
        return SH_EIO;
    }
    close(fd);
    sodium_memzero(hex, sizeof(hex));
    derive_id(out);
    return SH_OK;
}

int master_key_load(const char *path, int create, struct master_key *out, char *err, size_t errcap)
{
    char buf[80];
    ssize_t n;
    size_t len;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;

    if (fd < 0) {
        if (errno == ENOENT && create)
            return create_key(path, out, err, errcap);
        snprintf(err, errcap, "cannot read the master key file %s", path);
        return SH_EIO;
    }
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
        snprintf(err, errcap, "warning: master key file %s is readable by others; chmod 600", path);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errcap, "cannot read the master key file %s", path);
        return SH_EIO;
    }
    len = (size_t)n;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    if (len != 64 || sodium_hex2bin(out->key, sizeof(out->key), buf, len, NULL, NULL, NULL) != 0) {
        snprintf(err, errcap, "the master key file %s must hold 64 hex characters", path);
        sodium_memzero(buf, sizeof(buf));
        return SH_EINVAL;
    }
    sodium_memzero(buf, sizeof(buf));
    derive_id(out);
    return SH_OK;
}

void master_key_generate(struct master_key *out)
{
    randombytes_buf(out->key, sizeof(out->key));
    derive_id(out);
}

void master_key_prev_path(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s.prev", path);
}

/* fsyncs the directory holding path, so a rename in it is durable. */
static int sync_dir(const char *path)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SH_EIO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? SH_OK : SH_EIO;
}

int master_key_write(const char *path, const struct master_key *k, char *err, size_t errcap)
{
    char tmp[600], hex[65];
    int fd, ok;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp); /* a leftover of an interrupted write holds nothing anyone needs */
    hex_encode(k->key, sizeof(k->key), hex);
    hex[64] = '\n';
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ok = fd >= 0 && write(fd, hex, 65) == 65 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    sodium_memzero(hex, sizeof(hex));
    if (!ok || rename(tmp, path) != 0 || sync_dir(path) != SH_OK) {
        snprintf(err, errcap, "cannot write the key file %s: %s", path, strerror(errno));
        unlink(tmp);
        return SH_EIO;
    }
    return SH_OK;
}
