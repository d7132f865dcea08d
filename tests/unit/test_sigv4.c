/*
 * test_sigv4.c - the SigV4 signer, step by step and on AWS's suite.
 *
 * The steps are tested through the functions sigv4.h exposes for it.
 * The case loader of `growvrdctl sign` is static in app/ctl/cmd_sign.c,
 * so that file is included here (ctl objects are not in libgrowvrd.a,
 * so nothing is defined twice).  The suite lives in SIGV4_SUITE_DIR, or
 * ../shared/testdata/sigv4 seen from the repository root.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "ctl/cmd_sign.c"
#include "harness.h"

#define SUITE_DEFAULT "../shared/testdata/sigv4"
#define SUITE_CASES   38
#define SUITE_MAX     128
#define SECRET        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static void
test_uri_encode(void)
{
	static const struct { const char *in; int slash; const char *out; }
	    cases[] = {
		{ "abc", 1, "abc" },
		{ "-._~AZaz09", 0, "-._~AZaz09" },
		{ "a b", 1, "a%20b" },
		{ "%20", 1, "%2520" },          /* double encoding */
		{ "/a/b", 1, "/a/b" },
		{ "/a/b", 0, "%2Fa%2Fb" },
		{ "\xe1\x88\xb4", 1, "%E1%88%B4" },
		{ "+*=&?", 1, "%2B%2A%3D%26%3F" },
		{ "\x7f\xff", 1, "%7F%FF" },
		{ "", 1, "" },
	};
	size_t i;
	struct buf b;

	CASE("uri encoding table");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 256);
		CHECK(sigv4_uri_encode(&b, cases[i].in, strlen(cases[i].in),
		    cases[i].slash));
		CHECK_STR(buf_cstr(&b), cases[i].out);
		buf_free(&b);
	}
	END_CASE();

	CASE("uri encoding: long input in chunks, and the buffer maximum");
	{
		char in[1000];
		memset(in, ' ', sizeof(in));
		buf_init(&b, 3000);
		CHECK(sigv4_uri_encode(&b, in, sizeof(in), true));
		CHECK(b.len == 3000 && strncmp(b.data + 2997, "%20", 3) == 0);
		CHECK(!sigv4_uri_encode(&b, "a", 1, true));
		buf_free(&b);
	}
	END_CASE();
}

static void
test_normalize(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/", "/" }, { "", "/" }, { "//", "/" }, { "/./", "/" },
		{ "/example/..", "/" }, { "/example1/example2/../..", "/" },
		{ "/./example", "/example" }, { "//example//", "/example/" },
		{ "/a/b/..", "/a" }, { "/a/b/../", "/a/" },
		{ "/a/./b/", "/a/b/" }, { "/../a", "/a" },
		{ "/a/b/../../..", "/" }, { "/a//b", "/a/b" },
		{ "/a/.../b", "/a/.../b" }, { "/a/..b/.c", "/a/..b/.c" },
		{ "/example space/", "/example space/" },
		{ "/%2E%2E/x", "/%2E%2E/x" },   /* no decoding here */
	};
	size_t i;
	struct buf b;

	CASE("path normalization table");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 256);
		CHECK(sigv4_normalize_path(&b, cases[i].in,
		    strlen(cases[i].in)));
		CHECK_STR(buf_cstr(&b), cases[i].out);
		buf_free(&b);
	}
	END_CASE();
}

static void
test_query(void)
{
	static const struct { const char *in; enum err e; const char *out; }
	    cases[] = {
		{ "", ERR_OK, "" },
		{ "b=2&a=1", ERR_OK, "a=1&b=2" },
		{ "a", ERR_OK, "a=" },
		{ "a=", ERR_OK, "a=" },
		{ "a=1&a=0", ERR_OK, "a=0&a=1" },
		{ "B=1&a=1", ERR_OK, "B=1&a=1" },
		{ "Param-3=Value3&Param=Value2&%E1%88%B4=Value1", ERR_OK,
		  "%E1%88%B4=Value1&Param=Value2&Param-3=Value3" },
		{ "%41=%7e", ERR_OK, "A=~" },
		{ "a b=c d", ERR_OK, "a%20b=c%20d" },
		{ "x=a+b", ERR_OK, "x=a%2Bb" },
		{ "x=%2b", ERR_OK, "x=%2B" },
		{ "a=b=c", ERR_OK, "a=b%3Dc" },
		{ "&&a=1&", ERR_OK, "a=1" },
		{ "=v", ERR_OK, "=v" },
		{ "a=%zz", ERR_INVALID, NULL },
		{ "a=%4", ERR_INVALID, NULL },
		{ "a=%", ERR_INVALID, NULL },
		{ "%=1", ERR_INVALID, NULL },
	};
	struct arena *a = arena_new(1 << 20);
	size_t i;
	struct buf b;

	CASE("query canonicalization table");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 256);
		CHECK(sigv4_canonical_query(a, &b, cases[i].in,
		    strlen(cases[i].in)) == cases[i].e);
		if (cases[i].out != NULL)
			CHECK_STR(buf_cstr(&b), cases[i].out);
		buf_free(&b);
	}
	END_CASE();
	arena_free(a);
}

static void
test_fold(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "value1", "value1" }, { " value1 ", "value1" },
		{ "\"a   b   c\"", "\"a b c\"" }, { "a\t \tb", "a b" },
		{ "", "" }, { " \t ", "" },
		{ "value1 value2 value3", "value1 value2 value3" },
	};
	size_t i;
	struct buf b;

	CASE("header value trim and fold table");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 256);
		CHECK(sigv4_fold_value(&b, cases[i].in, strlen(cases[i].in)));
		CHECK_STR(buf_cstr(&b), cases[i].out);
		buf_free(&b);
	}
	END_CASE();
}

static void
test_signing_key(void)
{
	/* The first from AWS's documentation of the key derivation; the
	 * second, the suite's scope, checked with `openssl dgst -mac HMAC`. */
	static const struct { const char *date, *region, *service, *hex; }
	    cases[] = {
		{ "20120215", "us-east-1", "iam",
		  "f4780e2d9f65fa895f9c67b32ce1baf0"
		  "b0d8a43505a000a1a9e090d414db404d" },
		{ "20150830", "us-east-1", "service",
		  "938127b5336810ddb6a5d6af445fcac9"
		  "e371f9ed418ed386b022aed82901be75" },
	};
	unsigned char key[SIGV4_KEY_LEN];
	char hex[2 * SIGV4_KEY_LEN + 1], big[SIGV4_SECRET_MAX + 2];
	size_t i;

	CASE("signing key derivation table");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(sigv4_signing_key(SECRET, cases[i].date, cases[i].region,
		    cases[i].service, key) == ERR_OK);
		str_hex(hex, key, sizeof(key));
		CHECK_STR(hex, cases[i].hex);
	}
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(sigv4_signing_key("", "20150830", "r", "s", key) ==
	    ERR_INVALID);
	CHECK(sigv4_signing_key(big, "20150830", "r", "s", key) ==
	    ERR_INVALID);
	END_CASE();
}

/* The body and headers of a DynamoDB GetItem against DynamoDB Local. */
static const char ddb_body[] = "{\"TableName\":\"plants\",\"Key\":"
    "{\"id\":{\"S\":\"p-1\"}}}";
static const struct sigv4_header ddb_headers[] = {
	{ "Host", "127.0.0.1:8000" },
	{ "Content-Type", "application/x-amz-json-1.0" },
	{ "X-Amz-Target", "DynamoDB_20120810.GetItem" },
};

static void
ddb_request(struct sigv4_request *r)
{
	memset(r, 0, sizeof(*r));
	r->method = "POST";
	r->target = "/";
	r->headers = ddb_headers;
	r->nheaders = sizeof(ddb_headers) / sizeof(ddb_headers[0]);
	r->body = ddb_body;
	r->body_len = strlen(ddb_body);
	r->region = "us-east-1";
	r->service = "dynamodb";
	r->when = 1440938160;           /* 2015-08-30T12:36:00Z */
	r->normalize = true;
	r->sign_body = false;
}

static void
test_dynamodb(void)
{
	/* Expected values computed with botocore 1.43 (SigV4Auth) for the
	 * same request, an independent implementation. */
	static const struct { const char *token, *sig, *signed_h; } cases[] = {
		{ NULL,
		  "846feb08a8b13855d945748c58375ba0"
		  "14ee8cb1dfff0de1004bd11672d60452",
		  "content-type;host;x-amz-date;x-amz-target" },
		{ "FwoGZXIvYXdzEXAMPLETOKEN",
		  "6c5180f24c268b1f9e38aa3b43a5900b"
		  "1c3218e30433a6b62b059f6c91b81388",
		  "content-type;host;x-amz-date;x-amz-security-token;"
		  "x-amz-target" },
	};
	size_t i;

	CASE("DynamoDB POST, Host with a port, matches botocore");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new(1 << 20);
		struct sigv4_creds cr = { "AKIDEXAMPLE", SECRET,
		    cases[i].token };
		struct sigv4_request r;
		struct sigv4_out out;
		char *want;

		ddb_request(&r);
		CHECK(sigv4_sign(a, &r, &cr, &out) == ERR_OK);
		want = arena_printf(a, "AWS4-HMAC-SHA256 Credential="
		    "AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request, "
		    "SignedHeaders=%s, Signature=%s", cases[i].signed_h,
		    cases[i].sig);
		CHECK_STR(out.authorization, want);
		CHECK(out.canonical_request != NULL && strstr(
		    out.canonical_request, "\nhost:127.0.0.1:8000\n") != NULL);
		CHECK(out.canonical_request != NULL && strstr(
		    out.canonical_request, "\n325eb66fe731e0791c130ad12716075d"
		    "f2a3ec734a44857ecc0556de0bfd866c") != NULL);
		CHECK(out.nadded == (cases[i].token != NULL ? 2u : 1u));
		CHECK_STR(out.added[out.nadded - 1].name, "X-Amz-Date");
		CHECK_STR(out.added[out.nadded - 1].value, "20150830T123600Z");
		arena_free(a);
	}
	END_CASE();
}

static void
test_refusals(void)
{
	static const struct sigv4_header no_host[] = { { "X-A", "1" } };
	static const struct sigv4_header two_hosts[] = {
		{ "Host", "a" }, { "host", "b" } };
	static const struct sigv4_header empty_host[] = { { "Host", " " } };
	static const struct sigv4_header crlf[] = {
		{ "Host", "a" }, { "X-A", "1\r\nX-B: 2" } };
	static const struct sigv4_header bad_name[] = {
		{ "Host", "a" }, { "X A", "1" } };
	static const struct sigv4_header has_date[] = {
		{ "Host", "a" }, { "x-amz-DATE", "1" } };
	static const struct sigv4_header has_auth[] = {
		{ "Host", "a" }, { "Authorization", "x" } };
	static const struct {
		const char *what, *target, *method;
		const struct sigv4_header *h;
		size_t nh;
	} cases[] = {
		{ "no Host", "/", "GET", no_host, 1 },
		{ "two Hosts", "/", "GET", two_hosts, 2 },
		{ "empty Host", "/", "GET", empty_host, 1 },
		{ "CR LF in a value", "/", "GET", crlf, 2 },
		{ "space in a name", "/", "GET", bad_name, 2 },
		{ "caller's X-Amz-Date", "/", "GET", has_date, 2 },
		{ "caller's Authorization", "/", "GET", has_auth, 2 },
		{ "relative target", "a/b", "GET", ddb_headers, 1 },
		{ "empty target", "", "GET", ddb_headers, 1 },
		{ "fragment", "/a#b", "GET", ddb_headers, 1 },
		{ "LF in target", "/a\nb", "GET", ddb_headers, 1 },
		{ "bad escape in query", "/?a=%g1", "GET", ddb_headers, 1 },
		{ "method not a token", "/", "GE T", ddb_headers, 1 },
	};
	struct sigv4_creds cr = { "AKIDEXAMPLE", SECRET, NULL };
	size_t i;

	CASE("refuses what cannot be signed safely");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new(1 << 20);
		struct sigv4_request r;
		struct sigv4_out out;
		enum err e;

		ddb_request(&r);
		r.target = cases[i].target;
		r.method = cases[i].method;
		r.headers = cases[i].h;
		r.nheaders = cases[i].nh;
		e = sigv4_sign(a, &r, &cr, &out);
		if (e != ERR_INVALID)
			printf("  refusal '%s': %s\n", cases[i].what,
			    err_name(e));
		CHECK(e == ERR_INVALID && out.authorization == NULL &&
		    out.why != NULL);
		arena_free(a);
	}
	{
		struct arena *a = arena_new(1 << 20);
		struct sigv4_creds bad = { "AKID/X", SECRET, NULL };
		struct sigv4_creds tok = { "AKIDEXAMPLE", SECRET, "a\nb" };
		struct sigv4_request r;
		struct sigv4_out out;

		ddb_request(&r);
		CHECK(sigv4_sign(a, &r, &bad, &out) == ERR_INVALID);
		CHECK(sigv4_sign(a, &r, &tok, &out) == ERR_INVALID);
		r.region = "us-east-1/x";
		CHECK(sigv4_sign(a, &r, &cr, &out) == ERR_INVALID);
		ddb_request(&r);
		r.when = -1;
		CHECK(sigv4_sign(a, &r, &cr, &out) == ERR_INVALID);
		arena_free(a);
	}
	END_CASE();
}

static void
test_arena_failures(void)
{
	struct sigv4_creds cr = { "AKIDEXAMPLE", SECRET, "tok" };
	unsigned long n;
	bool done = false;

	CASE("each failing arena allocation gives ERR_TOO_LARGE");
	for (n = 1; n < 200 && !done; n++) {
		struct arena *a = arena_new(1 << 20);
		struct sigv4_request r;
		struct sigv4_out out;
		enum err e;

		ddb_request(&r);
		r.target = "/a/../b?z=1&y=2";
		r.sign_body = true;
		arena_fail_after(a, n);
		e = sigv4_sign(a, &r, &cr, &out);
		CHECK(e == ERR_TOO_LARGE || e == ERR_OK);
		CHECK((e == ERR_OK) == (out.authorization != NULL));
		CHECK((e == ERR_OK) == (out.why == NULL));
		done = e == ERR_OK;
		arena_free(a);
	}
	CHECK(done);
	END_CASE();
}

static void
test_request_txt(void)
{
	struct arena *a = arena_new(1 << 20);
	struct sigv4_request r;
	const char *why = NULL;
	char t1[] = "GET /a b?x=1 HTTP/1.1\r\nHost: h \r\nA:v1\r\n  v2\r\n"
	    "\tv3\r\n\r\nbody\r\nline2\n";
	char t2[] = "GET / HTTP/1.1\nHost:h";
	static const char *bad[] = { "", "GET / HTTP/1.0\nHost:h\n",
	    "GET HTTP/1.1\n", "GET / HTTP/1.1\n value\n",
	    "GET / HTTP/1.1\nNoColon\n", "GET / HTTP/1.1\n:v\n" };
	size_t i;

	CASE("request.txt: CR, continuation lines, body, refusals");
	memset(&r, 0, sizeof(r));
	CHECK(parse_request_txt(a, t1, strlen(t1), &r, &why));
	CHECK_STR(r.method, "GET");
	CHECK_STR(r.target, "/a b?x=1");
	CHECK(r.nheaders == 2);
	if (r.nheaders == 2) {
		CHECK_STR(r.headers[0].value, "h");
		CHECK_STR(r.headers[1].value, "v1 v2 v3");
	}
	CHECK(r.body_len == 11 && memcmp(r.body, "body\nline2\n", 11) == 0);
	memset(&r, 0, sizeof(r));
	CHECK(parse_request_txt(a, t2, strlen(t2), &r, &why));
	CHECK(r.nheaders == 1 && r.body_len == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = arena_strdup(a, bad[i]);
		memset(&r, 0, sizeof(r));
		CHECK(!parse_request_txt(a, t, strlen(t), &r, &why));
	}
	END_CASE();
	arena_free(a);
}

/* Pieces of context.json texts. */
#define J_CRED  "{\"credentials\":{\"access_key_id\":\"A\"," \
                "\"secret_access_key\":\"S\"},"
#define J_SCOPE "\"region\":\"r\",\"service\":\"s\","
#define J_TIME  "\"timestamp\":\"2015-08-30T12:36:00Z\","
#define J_FLAGS "\"normalize\":true,\"sign_body\":false"

static void
test_context_json(void)
{
	static const char *bad[] = {
		J_CRED J_SCOPE J_TIME J_FLAGS "} x",        /* trailing data */
		J_CRED J_SCOPE J_TIME "\"normalize\":true}", /* no sign_body */
		J_CRED J_SCOPE "\"timestamp\":\"2015-02-30T12:36:00Z\","
		    J_FLAGS "}",                            /* no such day */
		J_CRED J_SCOPE "\"timestamp\":\"2015-08-30 12:36:00Z\","
		    J_FLAGS "}",
		J_CRED J_SCOPE J_TIME "\"normalize\":1,\"sign_body\":false}",
		J_CRED J_SCOPE J_TIME J_FLAGS ",\"expiration_in_seconds\":1.5}",
		J_CRED J_SCOPE J_TIME J_FLAGS ",\"extra\":true}",
		"{\"credentials\":{\"access_key_id\":\"A\",\"x\":\"y\","
		    "\"secret_access_key\":\"S\"}," J_SCOPE J_TIME J_FLAGS "}",
		"{\"credentials\":{\"access_key_id\":\"A\\u0000B\","
		    "\"secret_access_key\":\"S\"}," J_SCOPE J_TIME J_FLAGS "}",
		"{\"credentials\":{\"access_key_id\":\"A\"}," J_SCOPE J_TIME
		    J_FLAGS "}",                            /* no secret */
		"{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "[]", "{", "",
	};
	const char *good = "{\"credentials\":{\"access_key_id\":\"A\","
	    "\"secret_access_key\":\"S\",\"token\":\"T\"}," J_SCOPE J_TIME
	    "\"normalize\":false,\"sign_body\":true,"
	    "\"omit_session_token\":true,\"expiration_in_seconds\":3600}\n";
	struct arena *a = arena_new(1 << 20);
	struct sign_case c;
	const char *why = NULL;
	size_t i;

	CASE("context.json: strict types, keys, timestamp, trailing data");
	memset(&c, 0, sizeof(c));
	CHECK(parse_context(a, good, strlen(good), &c, &why));
	CHECK(c.req.when == 1440938160);
	CHECK(!c.req.normalize && c.req.sign_body && c.req.omit_session_token);
	CHECK_STR(c.creds.session_token, "T");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		why = NULL;
		CHECK(!parse_context(a, bad[i], strlen(bad[i]), &c, &why));
		CHECK(why != NULL);
	}
	END_CASE();
	arena_free(a);
}

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sign one case directory and compare with its expected files. */
static void
run_case(const char *root, const char *name)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	const char *dir = arena_printf(a, "%s/%s", root, name), *file, *why;
	char *creq = NULL, *sts = NULL, *sig = NULL, *sreq = NULL, *auth, *nl;
	struct sign_case c;
	struct sigv4_out out;
	size_t len, i;

	CASE(name);
	CHECK(sign_load_case(a, dir, &c, &file, &why));
	CHECK(read_case_file(a, dir, "header-canonical-request.txt", 65536,
	    &creq, &len, &why));
	CHECK(read_case_file(a, dir, "header-string-to-sign.txt", 65536,
	    &sts, &len, &why));
	CHECK(read_case_file(a, dir, "header-signature.txt", 65536, &sig,
	    &len, &why));
	CHECK(read_case_file(a, dir, "header-signed-request.txt", 65536,
	    &sreq, &len, &why));
	if (h_case_failed || sigv4_sign(a, &c.req, &c.creds, &out) != ERR_OK) {
		CHECK(!"loaded and signed");
		END_CASE();
		arena_free(a);
		return;
	}
	CHECK_STR(out.canonical_request, creq);
	CHECK_STR(out.string_to_sign, sts);
	CHECK_STR(out.signature, sig);
	/* Every header the signer adds is in the signed request. */
	for (i = 0; i < out.nadded; i++)
		CHECK(strstr(sreq, arena_printf(a, "\n%s:%s\n",
		    out.added[i].name, out.added[i].value)) != NULL);
	auth = strstr(sreq, "\nAuthorization:");
	CHECK(auth != NULL);
	if (auth != NULL) {
		auth += strlen("\nAuthorization:");
		if ((nl = strchr(auth, '\n')) != NULL)
			*nl = '\0';
		CHECK_STR(out.authorization, auth);
	}
	END_CASE();
	arena_free(a);
}

static void
test_suite(void)
{
	const char *root = getenv("SIGV4_SUITE_DIR");
	char *names[SUITE_MAX];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	if (root == NULL || root[0] == '\0')
		root = SUITE_DEFAULT;
	if ((d = opendir(root)) != NULL) {
		while ((de = readdir(d)) != NULL && n < SUITE_MAX) {
			char path[4096];
			struct stat sb;
			if (de->d_name[0] == '.' || snprintf(path, sizeof(path),
			    "%s/%s", root, de->d_name) >= (int)sizeof(path) ||
			    stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
				continue;
			names[n++] = xstrdup(de->d_name);
		}
		closedir(d);
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		run_case(root, names[i]);
		free(names[i]);
	}
	CASE("suite holds all 38 cases");
	if (n != SUITE_CASES)
		printf("  %s: %zu cases\n", root, n);
	CHECK(n == SUITE_CASES);
	END_CASE();
}

int
main(void)
{
	test_uri_encode();
	test_normalize();
	test_query();
	test_fold();
	test_signing_key();
	test_dynamodb();
	test_refusals();
	test_arena_failures();
	test_request_txt();
	test_context_json();
	test_suite();
	return harness_done();
}
