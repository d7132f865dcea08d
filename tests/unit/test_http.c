/* Request parsing, routing and problem responses, without libfcgi. */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "harness.h"

struct fake {
	const char *const *params;   /* name, value, name, value, ..., NULL */
	const char *body;
	size_t      off;
};

static const char *
fake_param(void *ctx, const char *name)
{
	struct fake *f = ctx;
	size_t i;

	for (i = 0; f->params[i] != NULL; i += 2)
		if (strcmp(f->params[i], name) == 0)
			return f->params[i + 1];
	return NULL;
}

static size_t
fake_read(void *ctx, char *p, size_t n)
{
	struct fake *f = ctx;
	size_t left = f->body ? strlen(f->body) - f->off : 0;

	if (n > left)
		n = left;
	if (n > 3)
		n = 3;          /* short reads, as a socket gives them */
	memcpy(p, f->body + f->off, n);
	f->off += n;
	return n;
}

static enum err
parse(struct arena *a, struct req *r, const char *const *params,
    const char *body, const char **why)
{
	struct fake f = { params, body, 0 };
	struct req_io io = { fake_param, fake_read, &f };

	return req_parse(r, a, &io, why);
}

static void
test_req(void)
{
	struct arena *a = arena_new(1 << 20);
	struct req r;
	const char *why;
	size_t n;

	CASE("req: method, segments, query decoding, body");
	{
		const char *p[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
		    "/api/v1/plants/p%30%301?q=snake+pl%61nt&limit=5",
		    "QUERY_STRING", "q=snake+pl%61nt&limit=5", "CONTENT_LENGTH",
		    "7", "REQUEST_ID", "0123456789abcdef0123456789abcdef", NULL };
		CHECK(parse(a, &r, p, "{\"a\":1}", &why) == ERR_OK);
		CHECK(r.method == M_POST);
		CHECK(r.nseg == 4);
		CHECK_STR(r.seg[3], "p001");
		CHECK_STR(req_query(&r, "q", &n), "snake plant");
		CHECK_STR(req_query(&r, "limit", NULL), "5");
		CHECK(req_query(&r, "cursor", NULL) == NULL);
		CHECK(r.body_len == 7);
		CHECK_STR(r.body, "{\"a\":1}");
		CHECK_STR(r.request_id, "0123456789abcdef0123456789abcdef");
	}
	END_CASE();

	CASE("req: bad inputs are refused with the right error");
	{
		static const struct { const char *uri, *qs, *cl, *body; enum err e; }
		    bad[] = {
			{ "/a%zz", "", NULL, NULL, ERR_INVALID },
			{ "/a%00", "", NULL, NULL, ERR_INVALID },
			{ "/a%0a", "", NULL, NULL, ERR_INVALID },
			{ "/a%", "", NULL, NULL, ERR_INVALID },
			{ "/a", "x=%ff", NULL, NULL, ERR_INVALID },
			{ "/a", "x=1&x=2", NULL, NULL, ERR_INVALID },
			{ "/a", "=1", NULL, NULL, ERR_INVALID },
			{ "/a", "", "65537", "", ERR_TOO_LARGE },
			{ "/a", "", "10", "short", ERR_INVALID },
			{ "/a", "", "-1", "", ERR_INVALID },
			{ "/a", "", "1e3", "", ERR_INVALID },
			{ "a", "", NULL, NULL, ERR_INVALID },
		};
		size_t i;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *p[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
			    bad[i].uri, "QUERY_STRING", bad[i].qs, "CONTENT_LENGTH",
			    bad[i].cl, NULL };
			if (bad[i].cl == NULL)
				p[6] = NULL;
			enum err e = parse(a, &r, p, bad[i].body, &why);
			if (e != bad[i].e)
				printf("  case %zu: got %s\n", i, err_name(e));
			CHECK(e == bad[i].e);
			CHECK(r.request_id != NULL && strlen(r.request_id) == 32);
		}
	}
	END_CASE();

	CASE("req: a header with a control character is refused");
	{
		const char *p[] = { "REQUEST_METHOD", "GET", "REQUEST_URI", "/x",
		    "HTTP_IF_MATCH", "\"1\"\x01", NULL };
		CHECK(parse(a, &r, p, NULL, &why) == ERR_INVALID);
	}
	END_CASE();
	arena_free(a);
}

static void
test_router(void)
{
	struct arena *a = arena_new(1 << 20);
	struct route_match m;
	struct req r;
	const char *why;

	CASE("router: match, params, 404, 405 with Allow, HEAD as GET");
	{
		const char *p1[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
		    "/api/v1/plants/p001", NULL };
		const char *p2[] = { "REQUEST_METHOD", "DELETE", "REQUEST_URI",
		    "/healthz", NULL };
		const char *p3[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
		    "/api/v1/plants/p001/extra", NULL };
		const char *p4[] = { "REQUEST_METHOD", "HEAD", "REQUEST_URI",
		    "/healthz", NULL };
		const char *p5[] = { "REQUEST_METHOD", "GET", "REQUEST_URI",
		    "/api/v1/plants/", NULL };
		CHECK(parse(a, &r, p1, NULL, &why) == ERR_OK);
		CHECK(router_match(&r, &m) == ERR_OK);
		CHECK_STR(m.route->name, "plants.get");
		CHECK_STR(m.param[0], "p001");
		CHECK(parse(a, &r, p2, NULL, &why) == ERR_OK);
		CHECK(router_match(&r, &m) == ERR_METHOD);
		CHECK_STR(m.allow, "GET, HEAD");
		CHECK(parse(a, &r, p3, NULL, &why) == ERR_OK);
		CHECK(router_match(&r, &m) == ERR_NOT_FOUND);
		CHECK(parse(a, &r, p4, NULL, &why) == ERR_OK);
		CHECK(router_match(&r, &m) == ERR_OK);
		CHECK(parse(a, &r, p5, NULL, &why) == ERR_OK);
		CHECK(router_match(&r, &m) == ERR_NOT_FOUND);
	}
	END_CASE();
	arena_free(a);
}

static void
test_resp(void)
{
	struct arena *a = arena_new(1 << 20);
	struct resp r;
	struct buf out;

	CASE("resp: problem document with escaped detail and request id");
	resp_init(&r, a);
	resp_header(&r, "Allow", "GET");
	resp_problem(&r, ERR_METHOD, "bad \"thing\"\n", "abc123");
	buf_init(&out, 4096);
	CHECK(resp_render(&r, "abc123", false, &out));
	CHECK(strstr(buf_cstr(&out), "Status: 405 Method Not Allowed\r\n") != NULL);
	CHECK(strstr(buf_cstr(&out), "Content-Type: application/problem+json\r\n")
	    != NULL);
	CHECK(strstr(buf_cstr(&out), "X-Request-Id: abc123\r\n") != NULL);
	CHECK(strstr(buf_cstr(&out), "Allow: GET\r\n") != NULL);
	CHECK(strstr(buf_cstr(&out), "\"detail\":\"bad \\\"thing\\\"\\n\"") != NULL);
	CHECK(strstr(buf_cstr(&out), "\"status\":405") != NULL);
	buf_free(&out);
	END_CASE();

	CASE("resp: header values with CR/LF are refused");
	CHECK(!resp_header(&r, "X-Evil", "a\r\nSet-Cookie: x"));
	END_CASE();

	CASE("resp: every error maps to a 4xx/5xx status");
	{
		int e;
		for (e = 1; e < ERR__MAX; e++)
			CHECK(resp_status_of((enum err)e) >= 400);
	}
	END_CASE();
	arena_free(a);
}

int
main(void)
{
	test_req();
	test_router();
	test_resp();
	return harness_done();
}
