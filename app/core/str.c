#include "core/str.h"

#include <string.h>

#include "core/buf.h"

bool
str_to_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;
	size_t i = 0;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n || n - i > 19)
		return false;
	if (s[i] == '0' && n - i > 1)
		return false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* 19 digits fit in uint64_t; now bound in the signed range. */
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (v > lim)
		return false;
	int64_t r = neg ? (v == lim ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	if (neg && v == 0)
		return false;           /* "-0" has two spellings: refuse it */
	if (r < min || r > max)
		return false;
	*out = r;
	return true;
}

bool
str_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return l == n && memcmp(s, lit, n) == 0;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool
b64_encode(struct buf *out, const unsigned char *p, size_t n,
    const char *alpha, bool pad)
{
	char q[4];
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		q[0] = alpha[p[i] >> 2];
		q[1] = alpha[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = alpha[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		q[3] = alpha[p[i + 2] & 63];
		if (!buf_append(out, q, 4))
			return false;
	}
	if (n - i == 1) {
		q[0] = alpha[p[i] >> 2];
		q[1] = alpha[(p[i] & 3) << 4];
		q[2] = q[3] = '=';
		return buf_append(out, q, pad ? 4 : 2);
	}
	if (n - i == 2) {
		q[0] = alpha[p[i] >> 2];
		q[1] = alpha[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = alpha[(p[i + 1] & 15) << 2];
		q[3] = '=';
		return buf_append(out, q, pad ? 4 : 3);
	}
	return true;
}

bool
str_b64url_encode(struct buf *out, const void *p, size_t n)
{
	return b64_encode(out, p, n, b64url, false);
}

bool
str_b64_encode(struct buf *out, const void *p, size_t n)
{
	return b64_encode(out, p, n, b64std, true);
}

static int
b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

bool
str_b64url_decode(struct buf *out, const char *s, size_t n)
{
	unsigned char o[3];
	int v[4];
	size_t i, k, rem = n % 4;

	if (rem == 1)
		return false;
	for (i = 0; i < n; i += 4) {
		size_t take = n - i < 4 ? n - i : 4;
		for (k = 0; k < 4; k++) {
			v[k] = 0;
			if (k < take && (v[k] = b64url_val((unsigned char)s[i + k])) < 0)
				return false;
		}
		o[0] = (unsigned char)((v[0] << 2) | (v[1] >> 4));
		o[1] = (unsigned char)(((v[1] & 15) << 4) | (v[2] >> 2));
		o[2] = (unsigned char)(((v[2] & 3) << 6) | v[3]);
		/* A short last group must not carry bits that decode to nothing. */
		if (take == 2 && (v[1] & 15) != 0)
			return false;
		if (take == 3 && (v[2] & 3) != 0)
			return false;
		if (!buf_append(out, o, take - 1))
			return false;
	}
	return true;
}

void
str_hex(char *out, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = p;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[u[i] >> 4];
		out[2 * i + 1] = hex[u[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool
str_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_seq(u + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

bool
str_json_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, k;
	char esc[8];

	while (i < n) {
		unsigned char c = u[i];
		const char *rep = NULL;
		size_t replen = 0;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_seq(u + i, n - i)) > 0) {
			i += k;
			continue;
		}
		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\r')
			rep = "\\r";
		else if (c == '\t')
			rep = "\\t";
		else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = "0123456789abcdef"[c >> 4];
			esc[5] = "0123456789abcdef"[c & 15];
			esc[6] = '\0';
			rep = esc;
		} else
			rep = "\\ufffd";   /* invalid UTF-8 byte */
		replen = strlen(rep);
		if (!buf_append(out, s + start, i - start) ||
		    !buf_append(out, rep, replen))
			return false;
		i++;
		start = i;
	}
	return buf_append(out, s + start, n - start);
}

bool
str_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

bool
str_plain_text(const char *s)
{
	bool blank = true;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
		if (*s != ' ')
			blank = false;
	}
	return !blank;
}
