/*
 * growvrdctl verify-token - check a Cognito JWT exactly as the workers
 * do (same token_verify, same clock, same leeway), against a JWKS read
 * from a file or fetched from a URL.  Prints the claims as one JSON
 * object on stdout and exits 0, or a one-line reason on stderr and
 * exits 1; 2 on usage errors.  TOKEN "-" reads the token from stdin, so
 * that it need not appear in the process list.
 */
#include <stdio.h>
#include <string.h>

#include "auth/jwks.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "ctl/ctl.h"
#include "json/jx.h"
#include "net/httpc.h"

struct verify_args {
	const char     *jwks;
	const char     *issuer;
	const char     *client_id;
	enum token_use  use;
	const char     *token;
};

static int
usage(void)
{
	fprintf(stderr, "usage: growvrdctl verify-token --jwks FILE|URL "
	    "--issuer ISS --client-id CID\n"
	    "           --token-use access|id TOKEN|-\n");
	return 2;
}

static bool
parse_args(int argc, char **argv, struct verify_args *va)
{
	bool have_use = false;
	int i;

	memset(va, 0, sizeof(*va));
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--") == 0 && i + 2 == argc) {
			va->token = argv[++i];
			break;
		}
		if (strncmp(opt, "--", 2) != 0 || strcmp(opt, "-") == 0) {
			if (va->token != NULL)
				return false;
			va->token = opt;
			continue;
		}
		if (i + 1 >= argc)
			return false;
		if (strcmp(opt, "--jwks") == 0)
			va->jwks = argv[++i];
		else if (strcmp(opt, "--issuer") == 0)
			va->issuer = argv[++i];
		else if (strcmp(opt, "--client-id") == 0)
			va->client_id = argv[++i];
		else if (strcmp(opt, "--token-use") == 0) {
			i++;
			if (strcmp(argv[i], "access") != 0 &&
			    strcmp(argv[i], "id") != 0)
				return false;
			have_use = token_use_parse(argv[i], &va->use);
		} else
			return false;
	}
	return va->jwks != NULL && va->issuer != NULL &&
	    va->client_id != NULL && have_use && va->token != NULL &&
	    va->issuer[0] != '\0' && va->client_id[0] != '\0';
}

/*
 * The token from stdin, one final newline cut.  Input past b's maximum
 * is refused rather than silently cut short.
 */
static bool
read_stdin_token(struct buf *b, const char **why)
{
	char chunk[1024];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (!buf_append(b, chunk, n)) {
			*why = "the token is too large";
			return false;
		}
	if (ferror(stdin)) {
		*why = "cannot read the token from stdin";
		return false;
	}
	if (b->len > 0 && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
	if (b->len > 0 && b->data[b->len - 1] == '\r')
		b->data[--b->len] = '\0';
	return true;
}

static bool
is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* Verify and print; returns the exit status. */
static int
run(const struct verify_args *va, struct jwks *jwks, const char *tok,
    size_t len)
{
	struct token_config cfg = { va->issuer, va->client_id, jwks, NULL };
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct json_object *claims;
	struct principal p;
	struct buf out;
	const char *why;
	int rc = 1;

	buf_init(&out, LIM_TOKEN_MAX * 2);
	if (token_verify(&cfg, a, tok, len, va->use, token_now(), &p, &claims,
	    &why) != ERR_OK)
		fprintf(stderr, "growvrdctl: verify-token: %s\n", why);
	else if (!jx_write(&out, claims) || !buf_putc(&out, '\n'))
		fprintf(stderr, "growvrdctl: verify-token: cannot print the "
		    "claims\n");
	else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0)
		fprintf(stderr, "growvrdctl: verify-token: cannot write\n");
	else
		rc = 0;
	buf_free(&out);
	arena_free(a);
	return rc;
}

int
cmd_verify_token(int argc, char **argv)
{
	struct verify_args va;
	struct httpc *h = NULL;
	struct jwks *jwks;
	struct buf in;
	const char *why;
	enum err e;
	int rc = 1;

	if (!parse_args(argc, argv, &va))
		return usage();
	buf_init(&in, LIM_TOKEN_MAX + 2);
	if (strcmp(va.token, "-") == 0 && !read_stdin_token(&in, &why)) {
		fprintf(stderr, "growvrdctl: verify-token: %s\n", why);
		buf_free(&in);
		return 1;
	}
	/* One line on stderr: the JWKS warning would be a second one. */
	log_set_level(LOG_ERROR);
	if (is_url(va.jwks)) {
		httpc_global_init();
		h = httpc_new();
		jwks = jwks_new(va.jwks, jwks_fetch_http, h);
		e = jwks_refresh(jwks, token_now(), &why);
	} else {
		jwks = jwks_new(NULL, NULL, NULL);
		e = jwks_load_file(jwks, va.jwks, &why);
	}
	if (e != ERR_OK)
		fprintf(stderr, "growvrdctl: verify-token: JWKS %s: %s\n",
		    va.jwks, why);
	else if (strcmp(va.token, "-") == 0)
		rc = run(&va, jwks, buf_cstr(&in), in.len);
	else
		rc = run(&va, jwks, va.token, strlen(va.token));
	jwks_free(jwks);
	httpc_free(h);
	buf_free(&in);
	return rc;
}
