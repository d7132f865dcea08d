/*
 * LIM_AWS_RESP_MAX at its boundary: a DynamoDB answer of exactly that
 * many bytes is read and unmarshalled, one byte more is refused.
 * The answer is a Scan page of one item with a long string, as a fake
 * DynamoDB sends it.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "core/arena.h"
#include "core/limits.h"
#include "json/jx.h"
#include "fake_http.h"
#include "harness.h"
#include "net/httpc.h"

static char *answer;
static size_t answer_len;

static void
h_page(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f;
	(void)n;
	(void)r;
	a->status = 200;
	a->body = answer;
	a->filler = 0;
	a->extra = "Content-Type: application/x-amz-json-1.0\r\n";
	(void)answer_len;
}

/* {"Items":[{"id":{"S":"p1"},"pad":{"S":"xxx..."}}],"Count":1} of len. */
static void
make_answer(size_t len)
{
	static const char head[] = "{\"Items\":[{\"id\":{\"S\":\"p1\"},"
	    "\"pad\":{\"S\":\"";
	static const char tail[] = "\"}}],\"Count\":1,\"ScannedCount\":1}";
	size_t pad = len - (sizeof(head) - 1) - (sizeof(tail) - 1);

	free(answer);
	answer = malloc(len + 1);
	memcpy(answer, head, sizeof(head) - 1);
	memset(answer + sizeof(head) - 1, 'x', pad);
	memcpy(answer + sizeof(head) - 1 + pad, tail, sizeof(tail));
	answer_len = len;
}

int
main(void)
{
	struct aws_config cfg = { "", 1000, 20000, 1 };
	struct httpc *http;
	struct fake *f;
	struct aws *aws;
	struct ddb d;
	struct ddb_page page;
	struct arena *a;
	size_t n;

	fake_aws_env();
	httpc_global_init();
	http = httpc_new();
	aws = aws_new(&cfg, http);
	f = fake_start(h_page, NULL);
	memset(&d, 0, sizeof(d));
	d.aws = aws;
	d.endpoint = f->url;

	CASE("ddb: an answer of LIM_AWS_RESP_MAX bytes is read whole");
	make_answer(LIM_AWS_RESP_MAX);
	a = arena_new(0);
	CHECK(ddb_scan(&d, a, "Plants", NULL, 0, &page) == ERR_OK);
	CHECK(json_object_array_length(page.items) == 1);
	CHECK(jx_str(json_object_array_get_idx(page.items, 0), "pad", &n) !=
	    NULL && n > LIM_AWS_RESP_MAX - 100);
	arena_free(a);
	END_CASE();

	CASE("ddb: one byte more is refused (ERR_UPSTREAM, as aws.h says)");
	make_answer(LIM_AWS_RESP_MAX + 1);
	a = arena_new(0);
	CHECK(ddb_scan(&d, a, "Plants", NULL, 0, &page) == ERR_UPSTREAM);
	arena_free(a);
	END_CASE();

	fake_stop(f);
	free(answer);
	aws_free(aws);
	httpc_free(http);
	return harness_done();
}
