/* password.c — see password.h. */
#include "core/password.h"

#include <sodium.h>
#include <string.h>

/* Length in code points of valid UTF-8 without C0/DEL controls; -1 otherwise. */
static long utf8_chars(const unsigned char *s)
{
    long n = 0;
    while (*s != '\0') {
        unsigned c = *s;
        int more;
        if (c < 0x20 || c == 0x7f)
            return -1;
        if (c < 0x80)
            more = 0;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            more = 1;
        else if ((c & 0xf0) == 0xe0)
            more = 2;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            more = 3;
        else
            return -1;
        s++;
        for (int i = 0; i < more; i++, s++)
            if ((*s & 0xc0) != 0x80)
                return -1;
        n++;
    }
    return n;
}

const char *password_policy_check(const char *pw)
{
    if (pw == NULL)
        return "too_short";
    if (strlen(pw) > PASSWORD_MAX_BYTES)
        return "too_long";
    long n = utf8_chars((const unsigned char *)pw);
    if (n < 0)
        return "invalid_characters";
    if (n < PASSWORD_MIN_CHARS)
        return "too_short";
    return NULL;
}

int password_hash(const char *pw, char *out, size_t cap)
{
    if (cap < crypto_pwhash_STRBYTES)
        return -1;
    return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

int password_verify(const char *hash, const char *pw)
{
    if (hash == NULL || pw == NULL || strncmp(hash, "$argon2id$", 10) != 0)
        return 0;
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

int password_verify_dummy(const char *pw)
{
    static const char dummy[crypto_pwhash_STRBYTES] =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMuZzzkg";
    int rc = crypto_pwhash_str_verify(dummy, pw, strlen(pw));
    return rc & 0;
}
