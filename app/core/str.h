/*
 * str.h - small string helpers over pointer+length views.
 *
 * Number parsing with explicit bounds instead of atoi/strtol, base64url
 * and hex codecs, and JSON string escaping (used by logs and responses).
 * Nothing here allocates except through a caller's buf.
 */
#ifndef GROWVRD_STR_H
#define GROWVRD_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * str_to_i64 - parse s[0..n) as a decimal integer in [min, max]: an
 * optional '-', then 1..19 digits, nothing else (no spaces, no '+', no
 * leading zeros except "0").  Returns true and sets *out on success.
 */
bool str_to_i64(const char *s, size_t n, int64_t min, int64_t max,
    int64_t *out);

/* str_eq - s[0..n) equals the C string lit. */
bool str_eq(const char *s, size_t n, const char *lit);

/*
 * str_b64url_encode - append the unpadded base64url (RFC 4648 §5)
 * encoding of p[0..n) to out.  False past out's maximum.
 */
bool str_b64url_encode(struct buf *out, const void *p, size_t n);

/*
 * str_b64url_decode - strict decoding of unpadded base64url: no '=', no
 * whitespace, no characters outside the alphabet, no length of 1 mod 4,
 * and unused trailing bits must be zero (so one encoding per value).
 * Appends to out; false on any of these or past out's maximum.
 */
bool str_b64url_decode(struct buf *out, const char *s, size_t n);

/* str_b64_encode - standard base64 with padding (RFC 4648 §4). */
bool str_b64_encode(struct buf *out, const void *p, size_t n);

/* str_hex - write 2n lowercase hex digits of p[0..n) and a NUL to out. */
void str_hex(char *out, const void *p, size_t n);

/*
 * str_json_escape - append s[0..n) as the inside of a JSON string:
 * quotes, backslashes and every control byte escaped.  Bytes >= 0x80 are
 * copied when they form valid UTF-8, else replaced by U+FFFD, so the
 * output is always valid JSON whatever the input (logs take hostile text).
 */
bool str_json_escape(struct buf *out, const char *s, size_t n);

/* str_utf8_valid - s[0..n) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool str_utf8_valid(const char *s, size_t n);

/*
 * str_plain_text - the C string s holds no control character and is not
 * only spaces (names, nicknames, locations).
 */
bool str_plain_text(const char *s);

/* str_ct_equal - constant-time comparison of two equal-length buffers. */
bool str_ct_equal(const void *a, const void *b, size_t n);

#endif
