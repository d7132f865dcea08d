/*
 * libFuzzer: the request reader.  The input is split at the first two
 * NUL bytes into REQUEST_URI, QUERY_STRING and a header value; the rest
 * is the body, with its length as CONTENT_LENGTH.  Whatever parses is
 * routed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "http/req.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const char *uri, *qs, *hdr, *body;
	size_t      body_len, off;
	char        cl[24];
};

static const char *
param(void *ctx, const char *name)
{
	struct in *in = ctx;

	if (strcmp(name, "REQUEST_METHOD") == 0)
		return "POST";
	if (strcmp(name, "REQUEST_URI") == 0)
		return in->uri;
	if (strcmp(name, "QUERY_STRING") == 0)
		return in->qs;
	if (strcmp(name, "HTTP_IF_MATCH") == 0 ||
	    strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return in->hdr;
	if (strcmp(name, "CONTENT_LENGTH") == 0)
		return in->cl;
	return NULL;
}

static size_t
rd(void *ctx, char *p, size_t n)
{
	struct in *in = ctx;
	size_t left = in->body_len - in->off;

	if (n > left)
		n = left;
	memcpy(p, in->body + in->off, n);
	in->off += n;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 3);
	struct arena *a = arena_new(1 << 22);
	struct in in;
	struct req r;
	struct route_match m;
	const char *why;

	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = copy[size + 2] = '\0';
	memset(&in, 0, sizeof(in));
	/* Three NULs end the copy, so each field is a valid string. */
	in.uri = copy;
	in.qs = in.uri + strlen(in.uri) + 1;
	in.hdr = in.qs + strlen(in.qs) + 1;
	in.body = in.hdr + strlen(in.hdr) + 1;
	in.body_len = in.body < copy + size ? (size_t)(copy + size - in.body) :
	    0;
	snprintf(in.cl, sizeof(in.cl), "%zu", in.body_len);
	struct req_io io = { param, rd, &in };
	if (req_parse(&r, a, &io, &why) == ERR_OK)
		router_match(&r, &m);
	arena_free(a);
	free(copy);
	return 0;
}
