#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "harness.h"

static void
test_i64(void)
{
	static const struct { const char *s; int64_t min, max; int ok; int64_t v; }
	    cases[] = {
		{ "0", 0, 10, 1, 0 }, { "10", 0, 10, 1, 10 }, { "11", 0, 10, 0, 0 },
		{ "-1", -5, 5, 1, -1 }, { "-0", -5, 5, 0, 0 }, { "01", 0, 9, 0, 0 },
		{ "", 0, 9, 0, 0 }, { "-", -9, 9, 0, 0 }, { " 1", 0, 9, 0, 0 },
		{ "+1", 0, 9, 0, 0 }, { "1a", 0, 99, 0, 0 },
		{ "9223372036854775807", INT64_MIN, INT64_MAX, 1, INT64_MAX },
		{ "9223372036854775808", INT64_MIN, INT64_MAX, 0, 0 },
		{ "-9223372036854775808", INT64_MIN, INT64_MAX, 1, INT64_MIN },
		{ "99999999999999999999", INT64_MIN, INT64_MAX, 0, 0 },
	};
	size_t i;

	CASE("str_to_i64 table");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = 12345;
		bool ok = str_to_i64(cases[i].s, strlen(cases[i].s), cases[i].min,
		    cases[i].max, &v);
		CHECK(ok == (bool)cases[i].ok);
		if (ok)
			CHECK(v == cases[i].v);
	}
	END_CASE();
}

static void
test_b64url(void)
{
	struct buf b, d;
	size_t n;
	unsigned char all[256];

	CASE("base64url round trip of every length up to 256");
	for (n = 0; n < 256; n++)
		all[n] = (unsigned char)(n * 7 + 3);
	for (n = 0; n <= 256; n++) {
		buf_init(&b, 1024);
		buf_init(&d, 1024);
		CHECK(str_b64url_encode(&b, all, n));
		CHECK(strchr(buf_cstr(&b), '=') == NULL);
		CHECK(str_b64url_decode(&d, b.data ? b.data : "", b.len));
		CHECK(d.len == n && (n == 0 || memcmp(d.data, all, n) == 0));
		buf_free(&b);
		buf_free(&d);
	}
	END_CASE();

	CASE("base64url refuses padding, bad chars, stray bits, len%4==1");
	{
		static const char *bad[] = { "QQ==", "QQ=", "Q", "QR", "QUJ",
		    "a+b/", "ab c", "ab\n", "QUJDR" };
		size_t i;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			buf_init(&d, 64);
			CHECK(!str_b64url_decode(&d, bad[i], strlen(bad[i])));
			buf_free(&d);
		}
		buf_init(&d, 64);
		CHECK(str_b64url_decode(&d, "QUI", 3) && d.len == 2);
		buf_free(&d);
	}
	END_CASE();

	CASE("base64 standard with padding");
	buf_init(&b, 64);
	CHECK(str_b64_encode(&b, "ab", 2));
	CHECK_STR(buf_cstr(&b), "YWI=");
	buf_free(&b);
	END_CASE();
}

static void
test_escape(void)
{
	struct buf b;

	CASE("json escape: quotes, controls, bad utf-8, good utf-8");
	buf_init(&b, 256);
	CHECK(str_json_escape(&b, "a\"b\\\n\x01\xff\xc3\xa9", 9));
	CHECK_STR(buf_cstr(&b), "a\\\"b\\\\\\n\\u0001\\ufffd\xc3\xa9");
	buf_free(&b);
	END_CASE();

	CASE("utf8 validity");
	CHECK(str_utf8_valid("\xc3\xa9", 2));
	CHECK(!str_utf8_valid("\xc0\x80", 2));         /* overlong */
	CHECK(!str_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	CHECK(!str_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	CHECK(!str_utf8_valid("\xe2\x82", 2));         /* truncated */
	END_CASE();

	CASE("buf refuses to pass its maximum and stays intact");
	buf_init(&b, 4);
	CHECK(buf_puts(&b, "abcd"));
	CHECK(!buf_putc(&b, 'e'));
	CHECK_STR(buf_cstr(&b), "abcd");
	buf_free(&b);
	END_CASE();
}

int
main(void)
{
	test_i64();
	test_b64url();
	test_escape();
	return harness_done();
}
