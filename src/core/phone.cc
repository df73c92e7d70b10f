/*
 * phone.cc — the C API of phone.h over libphonenumber (the only C++ in smshub).
 *
 * We screen the input ourselves first (length cap, ASCII digits and a few separators,
 * "00" -> '+') so libphonenumber never sees letters, extensions or URIs, then ask it to
 * parse, validate and format. Every entry point catches all exceptions: out of memory
 * aborts like the rest of the project, anything else is reported as a refusal.
 * State: only libphonenumber's own singleton (leaky, read-only after construction).
 */
#include "core/phone.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::NullLogger;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

/* What phone_mask() writes when it is not given an E.164 string. */
const char PHONE_MASK_INVALID[] = "(invalid)";

/* E.164 allows 15 digits; struct phone_number::e164 has room for '+', 18 digits and NUL. */
const size_t PHONE_E164_DIGITS_MAX = sizeof(phone_number::e164) - 2;

bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Separators people type inside numbers; libphonenumber strips them. */
bool is_separator(char c)
{
    return is_blank(c) || c == '-' || c == '(' || c == ')' || c == '.' || c == '/' || c == '+';
}

/*
 * Checks the raw input and builds what libphonenumber gets: blanks trimmed on the left, a
 * leading "00" turned into '+' (libphonenumber only knows "00" where it is the default
 * region's own international prefix). Sets *digits to the number of digits seen.
 */
enum phone_error screen_input(const char *input, std::string *norm, size_t *digits)
{
    size_t len = 0;
    while (len <= PHONE_INPUT_MAX && input[len] != '\0') {
        len++;
    }
    if (len > PHONE_INPUT_MAX) {
        return PHONE_TOO_LONG;
    }
    size_t start = 0;
    while (start < len && is_blank(input[start])) {
        start++;
    }
    if (start == len) {
        return PHONE_EMPTY;
    }
    *digits = 0;
    for (size_t i = start; i < len; i++) {
        if (is_digit(input[i])) {
            (*digits)++;
        } else if (!is_separator(input[i])) {
            return PHONE_NOT_A_NUMBER;
        }
    }
    if (*digits == 0) {
        return PHONE_NOT_A_NUMBER;
    }
    if (input[start] == '0' && input[start + 1] == '0') {
        norm->assign("+");
        start += 2;
    }
    norm->append(input + start, len - start);
    return PHONE_OK;
}

/* "uz" -> "UZ"; NULL, "" or anything but two ASCII letters -> "ZZ" (libphonenumber's none). */
std::string region_or_none(const char *region)
{
    std::string r("ZZ");
    if (region == nullptr) {
        return r;
    }
    for (size_t i = 0; i < 2; i++) {
        char c = region[i];
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
        if (c < 'A' || c > 'Z') {
            return "ZZ";
        }
        r[i] = c;
    }
    if (region[2] != '\0') {
        return "ZZ";
    }
    return r;
}

enum phone_error from_parse_error(PhoneNumberUtil::ErrorType e, size_t digits)
{
    switch (e) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
        return PHONE_OK;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
        return PHONE_INVALID_COUNTRY;
    case PhoneNumberUtil::NOT_A_NUMBER:
        /* libphonenumber says this for "+1" too; we already know there are no letters. */
        return digits < 3 ? PHONE_TOO_SHORT : PHONE_NOT_A_NUMBER;
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
        return PHONE_TOO_SHORT;
    case PhoneNumberUtil::TOO_LONG_NSN:
        return PHONE_TOO_LONG;
    }
    return PHONE_NOT_A_NUMBER;
}

/* Why a parsed number is not valid: its length first, else a bad prefix. */
enum phone_error why_invalid(const PhoneNumberUtil &util, const PhoneNumber &num)
{
    switch (util.IsPossibleNumberWithReason(num)) {
    case PhoneNumberUtil::IS_POSSIBLE:
        return PHONE_INVALID;
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY: /* area code missing */
    case PhoneNumberUtil::TOO_SHORT:
        return PHONE_TOO_SHORT;
    case PhoneNumberUtil::TOO_LONG:
        return PHONE_TOO_LONG;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
        return PHONE_INVALID_COUNTRY;
    case PhoneNumberUtil::INVALID_LENGTH:
        /* Between two allowed lengths: judge against mobile numbers, what an SMS hub wants. */
        switch (util.IsPossibleNumberForTypeWithReason(num, PhoneNumberUtil::MOBILE)) {
        case PhoneNumberUtil::TOO_SHORT:
            return PHONE_TOO_SHORT;
        case PhoneNumberUtil::TOO_LONG:
            return PHONE_TOO_LONG;
        default:
            return PHONE_INVALID;
        }
    }
    return PHONE_INVALID;
}

enum phone_type from_number_type(PhoneNumberUtil::PhoneNumberType t)
{
    switch (t) {
    case PhoneNumberUtil::MOBILE:
        return PHONE_TYPE_MOBILE;
    case PhoneNumberUtil::FIXED_LINE:
        return PHONE_TYPE_FIXED;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
        return PHONE_TYPE_FIXED_OR_MOBILE;
    case PhoneNumberUtil::TOLL_FREE:
        return PHONE_TYPE_TOLL_FREE;
    case PhoneNumberUtil::UNKNOWN:
        return PHONE_TYPE_UNKNOWN;
    default:
        return PHONE_TYPE_OTHER;
    }
}

/* Parses text with libphonenumber and validates it; on success *e164 is its E.164 form. */
enum phone_error parse_valid(const PhoneNumberUtil &util, const std::string &text,
                             const std::string &region, size_t digits, PhoneNumber *num,
                             std::string *e164)
{
    enum phone_error st = from_parse_error(util.Parse(text, region, num), digits);
    if (st != PHONE_OK) {
        return st;
    }
    if (num->has_extension()) { /* unreachable after screen_input(); kept as a guard */
        return PHONE_NOT_A_NUMBER;
    }
    if (!util.IsValidNumber(*num)) {
        return why_invalid(util, *num);
    }
    e164->clear();
    util.Format(*num, PhoneNumberUtil::E164, e164);
    return PHONE_OK;
}

enum phone_error parse(const char *input, const char *default_region, struct phone_number *out)
{
    std::string norm;
    size_t digits = 0;
    enum phone_error st = screen_input(input, &norm, &digits);
    if (st != PHONE_OK) {
        return st;
    }
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    PhoneNumber num;
    std::string e164;
    st = parse_valid(util, norm, region_or_none(default_region), digits, &num, &e164);
    if (st != PHONE_OK) {
        return st;
    }
    /*
     * libphonenumber's E.164 output is not always a fixed point: each parse strips Mexico's
     * old mobile "1" after +52 once more ("+52 1 1428234 5678" -> "+5214282345678" ->
     * "+524282345678"). Parse our own output again until it stands still, so that whatever
     * we hand out (and smshub stores and compares) parses back to itself.
     */
    for (int round = 0; e164 != norm; round++) {
        PhoneNumber again;
        std::string e164_again;
        if (round == 3 ||
            parse_valid(util, e164, "ZZ", e164.size() - 1, &again, &e164_again) != PHONE_OK) {
            return PHONE_INVALID;
        }
        if (e164_again == e164) {
            break;
        }
        num = again;
        e164 = e164_again;
    }
    if (e164.size() > PHONE_E164_DIGITS_MAX + 1) {
        return PHONE_TOO_LONG;
    }
    if (out != nullptr) {
        std::string region;
        util.GetRegionCodeForNumber(num, &region);
        std::memcpy(out->e164, e164.c_str(), e164.size() + 1);
        /* "001" marks non-geographic entities (+800, +882); it is no ISO 3166 code. */
        if (region.size() == 2) {
            std::memcpy(out->region, region.c_str(), 3);
        }
        out->country_code = num.country_code();
        out->type = from_number_type(util.GetNumberType(num));
    }
    return PHONE_OK;
}

void copy_out(char *out, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
    }
    std::memcpy(out, s, n);
    out[n] = '\0';
}

/* Length of the country code that starts digits (codes are prefix-free), 0 if unassigned. */
size_t country_code_len(const char *digits, size_t n)
{
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    int cc = 0;
    if (n == 0 || digits[0] == '0') {
        return 0;
    }
    for (size_t i = 0; i < 3 && i < n; i++) {
        cc = cc * 10 + (digits[i] - '0');
        std::string region;
        util.GetRegionCodeForCountryCode(cc, &region);
        if (region != "ZZ") {
            return i + 1;
        }
    }
    return 0;
}

void mask(const char *e164, char *out, size_t cap)
{
    size_t n = 0;
    if (e164 == nullptr || e164[0] != '+') {
        copy_out(out, cap, PHONE_MASK_INVALID, sizeof(PHONE_MASK_INVALID) - 1);
        return;
    }
    while (n <= PHONE_E164_DIGITS_MAX && is_digit(e164[1 + n])) {
        n++;
    }
    if (n == 0 || n > PHONE_E164_DIGITS_MAX || e164[1 + n] != '\0') {
        copy_out(out, cap, PHONE_MASK_INVALID, sizeof(PHONE_MASK_INVALID) - 1);
        return;
    }
    char buf[PHONE_E164_DIGITS_MAX + 2];
    size_t keep_head = 1 + country_code_len(e164 + 1, n);
    size_t keep_tail = (n + 1 - keep_head >= 5) ? 2 : 0;
    for (size_t i = 0; i < n + 1; i++) {
        buf[i] = (i < keep_head || i >= n + 1 - keep_tail) ? e164[i] : '*';
    }
    copy_out(out, cap, buf, n + 1);
}

bool install_null_logger()
{
    /* SetLogger takes ownership; the singleton is never destroyed. */
    PhoneNumberUtil::GetInstance()->SetLogger(new NullLogger());
    return true;
}

} // namespace

extern "C" void phone_init(void)
{
    try {
        /* A const function-local static: C++ runs the initialiser exactly once, thread-safe. */
        static const bool installed = install_null_logger();
        (void)installed;
    } catch (...) {
        std::abort(); /* out of memory at start-up: nothing sensible to carry on with */
    }
}

extern "C" enum phone_error phone_parse(const char *input, const char *default_region,
                                        struct phone_number *out)
{
    enum phone_error st = PHONE_NOT_A_NUMBER;
    if (out != nullptr) {
        std::memset(out, 0, sizeof(*out));
    }
    if (input == nullptr) {
        return PHONE_EMPTY;
    }
    try {
        st = parse(input, default_region, out);
    } catch (const std::bad_alloc &) {
        std::abort();
    } catch (...) {
        st = PHONE_NOT_A_NUMBER;
    }
    if (st != PHONE_OK && out != nullptr) {
        std::memset(out, 0, sizeof(*out));
    }
    return st;
}

extern "C" const char *phone_strerror(enum phone_error e)
{
    /* C may pass any int here; in C++ an enum outside its declared range is undefined, so
     * look at the representation instead of the enum value. */
    unsigned int v = 0;
    static_assert(sizeof(v) == sizeof(e), "enum phone_error is not int-sized");
    std::memcpy(&v, &e, sizeof(v));
    switch (v) {
    case PHONE_OK:
        return "ok";
    case PHONE_EMPTY:
        return "no phone number given";
    case PHONE_NOT_A_NUMBER:
        return "not a phone number";
    case PHONE_INVALID_COUNTRY:
        return "country code missing or unknown";
    case PHONE_TOO_SHORT:
        return "number is too short for its country";
    case PHONE_TOO_LONG:
        return "number is too long";
    case PHONE_INVALID:
        return "not a valid number for its country";
    }
    return "unknown phone number error";
}

extern "C" void phone_mask(const char *e164, char *out, size_t cap)
{
    if (out == nullptr || cap == 0) {
        return;
    }
    try {
        mask(e164, out, cap);
    } catch (const std::bad_alloc &) {
        std::abort();
    } catch (...) {
        copy_out(out, cap, PHONE_MASK_INVALID, sizeof(PHONE_MASK_INVALID) - 1);
    }
}
