/*
 * phone.h — parse, validate and mask phone numbers (core domain, no I/O).
 *
 * A C API over Google's libphonenumber; phone.cc is the only C++ in the project and no
 * exception crosses this interface. Every number that leaves phone_parse() is valid for its
 * country per the libphonenumber metadata and is in E.164 form ("+998901234567"), so the rest
 * of smshub compares, stores and routes numbers as plain strings.
 * Invariant: struct phone_number is plain data, filled only by phone_parse().
 */
#ifndef SH_CORE_PHONE_H
#define SH_CORE_PHONE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest input phone_parse() looks at, in bytes, not counting the NUL. */
#define PHONE_INPUT_MAX 64

/* Why phone_parse() refused an input. 0 is success; this is a reason code, not an sh_status. */
enum phone_error {
    PHONE_OK = 0,
    PHONE_EMPTY,           /* nothing given */
    PHONE_NOT_A_NUMBER,    /* letters/garbage */
    PHONE_INVALID_COUNTRY, /* no country code and no/unknown default region, or unknown code */
    PHONE_TOO_SHORT,
    PHONE_TOO_LONG,
    PHONE_INVALID, /* right length but not a valid number for the region (bad prefix etc.) */
};

enum phone_type {
    PHONE_TYPE_UNKNOWN = 0,
    PHONE_TYPE_MOBILE,
    PHONE_TYPE_FIXED,
    PHONE_TYPE_FIXED_OR_MOBILE, /* the numbering plan does not tell them apart (+1) */
    PHONE_TYPE_TOLL_FREE,
    PHONE_TYPE_OTHER, /* premium rate, shared cost, VoIP, personal, pager, UAN, voicemail */
};

struct phone_number {
    char e164[20];    /* "+998901234567", NUL-terminated */
    char region[3];   /* ISO 3166-1 alpha-2, "UZ"; "" for non-geographic codes (+800, +882) */
    int country_code; /* 998 */
    enum phone_type type;
};

/*
 * Loads libphonenumber's metadata and silences its logger.
 * Accepts: nothing. Returns: nothing; calling it again is a no-op.
 * Thread: call once at start-up, before any thread uses phone_parse() or phone_mask()
 * (it is itself safe to call from several threads). Blocks about 40 ms the first time
 * (metadata load).
 */
void phone_init(void);

/*
 * Parses and validates input as a phone number.
 * Accepts: input, NUL-terminated, at most PHONE_INPUT_MAX bytes, made of ASCII digits, '+'
 *   (a leading "00" counts as '+'), ASCII white space and the separators - ( ) . /
 *   default_region: ISO 3166-1 alpha-2 code (either case) used only for national-format
 *   input without '+' or "00"; NULL, "" or an unknown code mean "none".
 *   out may be NULL to only validate.
 * Rejects: NULL, empty or blank input (PHONE_EMPTY); longer than PHONE_INPUT_MAX bytes
 *   (PHONE_TOO_LONG); letters, extensions, "tel:" URIs, non-ASCII digits and any other
 *   character (PHONE_NOT_A_NUMBER); national input without a usable default region or an
 *   unassigned country code (PHONE_INVALID_COUNTRY); too few or too many digits for the
 *   country (PHONE_TOO_SHORT, PHONE_TOO_LONG; a local number missing its area code is
 *   TOO_SHORT); a number of possible length that is not valid there (PHONE_INVALID).
 * Returns: PHONE_OK and fills *out; otherwise the reason, and *out (if given) is zeroed.
 *   out->e164 is canonical: phone_parse(out->e164, any region, ...) gives the same *out.
 * Ownership: borrows input and default_region for the call only.
 * Thread: any thread, concurrently, once phone_init() has returned. Does not block
 *   (libphonenumber takes a short internal lock on its regex cache).
 */
enum phone_error phone_parse(const char *input, const char *default_region,
                             struct phone_number *out);

/*
 * Names a phone_parse() outcome for people, e.g. "number is too short for its country".
 * Accepts: any value. Returns: a static string, never NULL. Thread: any.
 */
const char *phone_strerror(enum phone_error e);

/*
 * Masks a number for logs: keeps the '+', the country code and the last 2 digits:
 * "+998901234567" -> "+998*******67". If fewer than 3 digits would be hidden, every digit
 * after the country code is masked; an unknown country code is masked as well.
 * Accepts: e164 as produced by phone_parse(); out with room for cap bytes (20 is enough).
 * Rejects: NULL or anything not '+' followed by 1..18 digits: writes "(invalid)".
 * Returns: nothing; out is always NUL-terminated when cap > 0 (truncated if cap is short).
 * Ownership: borrows both. Thread: any, once phone_init() has returned.
 */
void phone_mask(const char *e164, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
