/*
 * test_catalog_sync.c - the host's poll state as `growvrdctl catalog
 * info` reports it: after a failed poll it says the poll failed, how
 * long ago, when the next is due and when the last good one was (it
 * printed a negative age: the failure was stored as a poll in the
 * future); after a good one, its age; ages never negative, a clock that
 * went back said in words.  Against a scripted DynamoDB whose change
 * index answers ResourceNotFoundException or an empty page.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/retry.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "net/httpc.h"
#include "store/catalog.h"
#include "store/catalog_build.h"
#include "store/catalog_sync.h"

#define TABLE_MS 1700000000000LL

static struct httpc *http;
static int queries;
static bool fail_queries;

static void
no_sleep(void *ctx, long ms)
{
	(void)ctx, (void)ms;
}

static void
answer(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	char target[128] = "";

	(void)f, (void)n;
	fake_header(r, "X-Amz-Target", target, sizeof(target));
	a->status = 200;
	if (strstr(target, "DescribeTable") != NULL) {
		snprintf(a->text, sizeof(a->text), "{\"Table\":{\"TableName\":"
		    "\"Plants\",\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":"
		    "%lld.0}}", TABLE_MS / 1000);
		a->body = a->text;
	} else if (strstr(target, "Query") != NULL) {
		queries++;
		if (fail_queries) {
			a->status = 400;
			a->body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810"
			    "#ResourceNotFoundException\",\"message\":\"no\"}";
		} else
			a->body = "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}";
	} else {
		a->status = 400;
		a->body = "{\"__type\":\"com.amazon.coral.validate#"
		    "ValidationException\",\"message\":\"unexpected\"}";
	}
}

static void
test_describe(void)
{
	struct catalog_poll p;
	char line[256];

	CASE("describe: never, good, failed (last good never / earlier)");
	memset(&p, 0, sizeof(p));
	catalog_poll_describe(&p, 5000, line, sizeof(line));
	CHECK_STR(line, "no poll yet");
	p.last_ms = 4000;
	p.last_ok_ms = 4000;
	p.next_ms = 5000;
	catalog_poll_describe(&p, 5000, line, sizeof(line));
	CHECK_STR(line, "last poll 1000 ms ago");
	p.failed = true;
	p.last_ok_ms = 0;
	p.next_ms = 14000;
	catalog_poll_describe(&p, 5000, line, sizeof(line));
	CHECK_STR(line, "last poll 1000 ms ago failed (next in 9000 ms), "
	    "last good poll never");
	p.last_ok_ms = 2500;
	catalog_poll_describe(&p, 20000, line, sizeof(line));
	CHECK_STR(line, "last poll 16000 ms ago failed (next due), "
	    "last good poll 17500 ms ago");
	END_CASE();

	CASE("describe: a clock that went back is said, not a negative age");
	p.failed = false;
	p.last_ms = 9000;
	catalog_poll_describe(&p, 5000, line, sizeof(line));
	CHECK_STR(line, "last poll 4000 ms ahead of this clock");
	END_CASE();

	CASE("describe: a short buffer is cut, terminated");
	memset(line, 'x', sizeof(line));
	catalog_poll_describe(&p, 5000, line, 8);
	CHECK(strlen(line) == 7);
	END_CASE();
}

static void
test_poll_state(void)
{
	char dir[] = "/tmp/test_catalog_sync.XXXXXX", path[256], line[256];
	struct catalog_meta m = { 0, 0, TABLE_MS };
	struct aws_config cfg = { "us-east-1", 500, 2000, 1 };
	struct catalog_sync *s;
	struct catalog_poll p;
	struct aws *aws;
	struct fake *f;
	struct ddb d;
	size_t applied = 0;
	int64_t now = catalog_now_ms();

	if (mkdtemp(dir) == NULL) {
		CASE("poll state: a temporary directory");
		CHECK(0);
		END_CASE();
		return;
	}
	snprintf(path, sizeof(path), "%s/catalog.snap", dir);
	m.built_ms = m.watermark_ms = now - 60000;
	f = fake_start(answer, NULL);
	fake_aws_env();
	aws = aws_new(&cfg, http);
	retry_set_hooks(aws_retry(aws), no_sleep, NULL, NULL);
	memset(&d, 0, sizeof(d));
	d.aws = aws;
	d.endpoint = f->url;
	s = catalog_sync_new(dir, "Plants", NULL);

	CASE("poll state: none before the first poll");
	CHECK(s != NULL);
	CHECK(catalog_build(NULL, NULL, 0, &m, true, path, &applied) ==
	    ERR_OK);
	CHECK(!catalog_sync_poll_status(s, &p) && p.last_ms == 0);
	END_CASE();
	if (s == NULL)
		goto out;

	CASE("poll state: a failed poll is in the past, failed, retried later");
	fail_queries = true;
	CHECK(catalog_sync_get(s, &d, now) != NULL);
	CHECK(queries == 1);
	CHECK(catalog_sync_poll_status(s, &p));
	CHECK(p.last_ms == now && p.failed && p.last_ok_ms == 0);
	CHECK(p.next_ms == now + CATALOG_RETRY_MS);
	catalog_poll_describe(&p, now + 1200, line, sizeof(line));
	snprintf(path, sizeof(path), "last poll 1200 ms ago failed (next in "
	    "%d ms), last good poll never", CATALOG_RETRY_MS - 1200);
	CHECK_STR(line, path);
	/* not again before the retry is due, whoever asks */
	CHECK(catalog_sync_get(s, &d, now + CATALOG_POLL_MS + 1) != NULL);
	CHECK(queries == 1);
	END_CASE();

	CASE("poll state: the good poll after it; its age from then");
	fail_queries = false;
	CHECK(catalog_sync_get(s, &d, now + CATALOG_RETRY_MS) != NULL);
	CHECK(queries == 1 + 1);
	CHECK(catalog_sync_poll_status(s, &p));
	CHECK(!p.failed && p.last_ms == now + CATALOG_RETRY_MS &&
	    p.last_ok_ms == p.last_ms);
	CHECK(p.next_ms == p.last_ms + CATALOG_POLL_MS);
	catalog_poll_describe(&p, now + CATALOG_RETRY_MS + 300, line,
	    sizeof(line));
	CHECK_STR(line, "last poll 300 ms ago");
	END_CASE();

	CASE("poll state: another failure keeps the last good poll's time");
	fail_queries = true;
	CHECK(catalog_sync_get(s, &d, now + CATALOG_RETRY_MS +
	    2 * CATALOG_POLL_MS) != NULL);
	CHECK(catalog_sync_poll_status(s, &p));
	CHECK(p.failed && p.last_ok_ms == now + CATALOG_RETRY_MS);
	catalog_poll_describe(&p, p.last_ms, line, sizeof(line));
	snprintf(path, sizeof(path), "last poll 0 ms ago failed (next in %d "
	    "ms), last good poll %d ms ago", CATALOG_RETRY_MS,
	    2 * CATALOG_POLL_MS);
	CHECK_STR(line, path);
	END_CASE();

	CASE("poll state: a clock gone back polls again at once");
	fail_queries = false;
	CHECK(catalog_sync_get(s, &d, now - CATALOG_OVERLAP_MS) != NULL);
	CHECK(catalog_sync_poll_status(s, &p));
	CHECK(!p.failed && p.last_ms == now - CATALOG_OVERLAP_MS);
	END_CASE();

out:
	catalog_sync_free(s);
	aws_free(aws);
	fake_stop(f);
	snprintf(path, sizeof(path), "%s/catalog.snap", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/catalog.lock", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	log_set_level(LOG_ERROR);
	httpc_global_init();
	http = httpc_new();
	test_describe();
	test_poll_state();
	httpc_free(http);
	return harness_done();
}
