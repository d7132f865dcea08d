/*
 * cmd_sign.c - `growvrdctl sign CASE_DIR`: sign one case of the SigV4
 * test suite (shared/testdata/sigv4, format in its README.md) with the
 * workers' signer and print the Authorization value.
 *
 * CASE_DIR/request.txt is the request before signing, CASE_DIR/
 * context.json the credentials, scope, time and flags.  Both are input:
 * read with a size limit, parsed strictly, every field type-checked.
 * Everything lives in one arena, released on the single exit path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "aws/sigv4.h"
#include "core/arena.h"
#include "core/limits.h"
#include "ctl/ctl.h"

#define SIGN_REQUEST_MAX  (LIM_BODY_MAX + 64 * 1024)  /* request.txt */
#define SIGN_CONTEXT_MAX  (16 * 1024)                 /* context.json */
#define SIGN_JSON_DEPTH   4     /* outer object, credentials, a value */

/* A loaded case: what sigv4_sign takes.  Strings live in the arena. */
struct sign_case {
	struct sigv4_request req;
	struct sigv4_creds   creds;
};

/*
 * Read dir/name, at most max bytes, into a NUL-terminated arena copy.
 * Returns false with *why set.
 */
static bool
read_case_file(struct arena *a, const char *dir, const char *name,
    size_t max, char **data, size_t *len, const char **why)
{
	const char *path = arena_printf(a, "%s/%s", dir, name);
	struct stat sb;
	size_t got = 0;
	char *p = NULL;
	int fd = -1;
	bool ok = false;

	if (path == NULL) {
		*why = "path too long";
		return false;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) != 0) {
		*why = strerror(errno);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		*why = "not a regular file";
		goto out;
	}
	if ((size_t)sb.st_size > max) {
		*why = "file too large";
		goto out;
	}
	if ((p = arena_alloc(a, (size_t)sb.st_size + 1)) == NULL) {
		*why = "out of memory";
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, p + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r < 0 ? strerror(errno) : "file shrank";
			goto out;
		}
		got += (size_t)r;
	}
	p[got] = '\0';
	*data = p;
	*len = got;
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..n) without leading and trailing blanks, as an arena string. */
static char *
trimmed(struct arena *a, const char *s, size_t n)
{
	while (n > 0 && is_blank(*s))
		s++, n--;
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/* Line 1: METHOD SP target SP HTTP/1.1; the target may hold spaces. */
static bool
parse_request_line(struct arena *a, const char *s, size_t n,
    struct sigv4_request *req, const char **why)
{
	const char *sp1 = memchr(s, ' ', n), *sp2 = s + n;

	while (sp2 > s && sp2[-1] != ' ')
		sp2--;
	if (sp1 == NULL || sp2 - 1 <= sp1 + 1 || sp1 == s) {
		*why = "bad request line";
		return false;
	}
	if ((size_t)(s + n - sp2) != 8 || memcmp(sp2, "HTTP/1.1", 8) != 0) {
		*why = "request line does not end in HTTP/1.1";
		return false;
	}
	req->method = arena_strndup(a, s, (size_t)(sp1 - s));
	req->target = arena_strndup(a, sp1 + 1, (size_t)(sp2 - 1 - sp1 - 1));
	if (req->method == NULL || req->target == NULL) {
		*why = "out of memory";
		return false;
	}
	return true;
}

/*
 * Parse request.txt as aws-c-auth's harness reads it: CR ignored (text
 * is edited in place), line 1 the request line, then "Name:value"
 * lines, a line starting with a blank continuing the previous value
 * (joined with one space, RFC 9112 §5.2 obs-fold), and after the first
 * empty line the body, every byte of it, no newline added.
 */
static bool
parse_request_txt(struct arena *a, char *text, size_t len,
    struct sigv4_request *req, const char **why)
{
	struct sigv4_header *h;
	size_t i, k = 0, nh = 0;
	char *p, *end;

	for (i = 0; i < len; i++)       /* drop CR, everywhere */
		if (text[i] != '\r')
			text[k++] = text[i];
	text[k] = '\0';
	len = k;
	h = arena_alloc(a, SIGV4_HEADERS_MAX * sizeof(*h));
	if (h == NULL) {
		*why = "out of memory";
		return false;
	}
	req->headers = h;
	req->body = "";
	req->body_len = 0;
	end = text + len;
	for (p = text, i = 0; p < end; i++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (nl != NULL ? nl : end) - p;
		char *colon;

		if (memchr(p, '\0', n) != NULL) {
			*why = "NUL byte in the head";
			return false;
		}
		if (i == 0) {
			if (!parse_request_line(a, p, n, req, why))
				return false;
		} else if (n == 0) {
			req->body = p + 1;      /* after this line's '\n' */
			req->body_len = (size_t)(end - (p + 1));
			break;
		} else if (is_blank(p[0])) {
			char *more = trimmed(a, p, n);
			if (nh == 0) {
				*why = "continuation line before any header";
				return false;
			}
			if (more != NULL && more[0] != '\0')
				h[nh - 1].value = arena_printf(a, "%s %s",
				    h[nh - 1].value, more);
			if (more == NULL || h[nh - 1].value == NULL) {
				*why = "out of memory";
				return false;
			}
		} else {
			if ((colon = memchr(p, ':', n)) == NULL ||
			    colon == p) {
				*why = "header line without a name and ':'";
				return false;
			}
			if (nh == SIGV4_HEADERS_MAX) {
				*why = "too many headers";
				return false;
			}
			h[nh].name = arena_strndup(a, p, (size_t)(colon - p));
			h[nh].value = trimmed(a, colon + 1,
			    n - (size_t)(colon + 1 - p));
			if (h[nh].name == NULL || h[nh].value == NULL) {
				*why = "out of memory";
				return false;
			}
			nh++;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (i == 0 && len == 0) {
		*why = "empty file";
		return false;
	}
	req->nheaders = nh;
	return true;
}

/* One allowed key of a JSON object: its name, type, whether required. */
struct json_key {
	const char    *name;
	enum json_type type;
	bool           required;
};

static const struct json_key ctx_keys[] = {
	{ "credentials",           json_type_object,  true  },
	{ "region",                json_type_string,  true  },
	{ "service",               json_type_string,  true  },
	{ "timestamp",             json_type_string,  true  },
	{ "normalize",             json_type_boolean, true  },
	{ "sign_body",             json_type_boolean, true  },
	{ "omit_session_token",    json_type_boolean, false },
	{ "expiration_in_seconds", json_type_int,     false },
};

static const struct json_key cred_keys[] = {
	{ "access_key_id",         json_type_string,  true  },
	{ "secret_access_key",     json_type_string,  true  },
	{ "token",                 json_type_string,  false },
};

/* Every key of o is declared with its type; every required one is
 * there.  Strings may not hold a NUL. */
static bool
check_keys(json_object *o, const struct json_key *keys, size_t nkeys,
    const char **why)
{
	size_t i;

	json_object_object_foreach(o, name, val) {
		for (i = 0; i < nkeys; i++)
			if (strcmp(name, keys[i].name) == 0)
				break;
		if (i == nkeys) {
			*why = "unknown key in context.json";
			return false;
		}
		if (!json_object_is_type(val, keys[i].type) ||
		    (keys[i].type == json_type_string &&
		    strlen(json_object_get_string(val)) !=
		    (size_t)json_object_get_string_len(val))) {
			*why = "a key of context.json has the wrong type";
			return false;
		}
	}
	for (i = 0; i < nkeys; i++)
		if (keys[i].required &&
		    !json_object_object_get_ex(o, keys[i].name, NULL)) {
			*why = "a required key of context.json is missing";
			return false;
		}
	return true;
}

/* d digits at s, as a number in [lo, hi]. */
static bool
digits(const char *s, int d, int lo, int hi, int *out)
{
	int v = 0, i;

	for (i = 0; i < d; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return v >= lo && v <= hi;
}

/* "YYYY-MM-DDTHH:MM:SSZ", UTC, a real date (checked by round trip). */
static bool
parse_timestamp(const char *s, time_t *out)
{
	struct tm tm, back;
	int y, mo, d, h, mi, se;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    !digits(s, 4, 1970, 9999, &y) || !digits(s + 5, 2, 1, 12, &mo) ||
	    !digits(s + 8, 2, 1, 31, &d) || !digits(s + 11, 2, 0, 23, &h) ||
	    !digits(s + 14, 2, 0, 59, &mi) || !digits(s + 17, 2, 0, 59, &se))
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = timegm(&tm);
	return gmtime_r(out, &back) != NULL && back.tm_mday == d &&
	    back.tm_mon == mo - 1;
}

static void
json_put_cb(void *p)
{
	json_object_put(p);
}

static const char *
str_of(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v != NULL ? json_object_get_string(v) : NULL;
}

static bool
bool_of(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_get_boolean(v);
}

/*
 * Parse context.json into c: a json-c tokener with a depth limit, in
 * strict mode with UTF-8 checks, nothing but blanks after the object.
 * The parsed object is released with the arena (the strings in c point
 * into it).
 */
static bool
parse_context(struct arena *a, const char *text, size_t len,
    struct sign_case *c, const char **why)
{
	struct json_tokener *tok = json_tokener_new_ex(SIGN_JSON_DEPTH);
	json_object *o = NULL, *cred = NULL;
	size_t end;

	if (tok == NULL) {
		*why = "out of memory";
		return false;
	}
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	if (memchr(text, '\0', len) == NULL && len <= SIGN_CONTEXT_MAX)
		o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		*why = "context.json is not valid JSON";
		json_object_put(o);
		json_tokener_free(tok);
		return false;
	}
	json_tokener_free(tok);
	/* arena_defer puts o itself if it cannot register. */
	if (arena_defer(a, json_put_cb, o) != 0) {
		*why = "out of memory";
		return false;
	}
	if (text[end + strspn(text + end, " \t\r\n")] != '\0') {
		*why = "trailing data after the JSON object";
		return false;
	}
	if (!json_object_is_type(o, json_type_object) ||
	    !check_keys(o, ctx_keys, sizeof(ctx_keys) / sizeof(ctx_keys[0]),
	        why) ||
	    !json_object_object_get_ex(o, "credentials", &cred) ||
	    !check_keys(cred, cred_keys,
	        sizeof(cred_keys) / sizeof(cred_keys[0]), why)) {
		if (!json_object_is_type(o, json_type_object))
			*why = "context.json is not an object";
		return false;
	}
	if (!parse_timestamp(str_of(o, "timestamp"), &c->req.when)) {
		*why = "timestamp is not YYYY-MM-DDTHH:MM:SSZ";
		return false;
	}
	c->req.region = str_of(o, "region");
	c->req.service = str_of(o, "service");
	c->req.normalize = bool_of(o, "normalize");
	c->req.sign_body = bool_of(o, "sign_body");
	c->req.omit_session_token = bool_of(o, "omit_session_token");
	c->creds.access_key_id = str_of(cred, "access_key_id");
	c->creds.secret_access_key = str_of(cred, "secret_access_key");
	c->creds.session_token = str_of(cred, "token");
	return true;
}

/*
 * Load CASE_DIR into c.  Returns false with *why (static text) and
 * *file (which of the two) set.  Also used by tests/unit/test_sigv4.c.
 */
static bool
sign_load_case(struct arena *a, const char *dir, struct sign_case *c,
    const char **file, const char **why)
{
	char *text;
	size_t len;

	memset(c, 0, sizeof(*c));
	*file = "request.txt";
	if (!read_case_file(a, dir, *file, SIGN_REQUEST_MAX, &text, &len,
	    why) || !parse_request_txt(a, text, len, &c->req, why))
		return false;
	*file = "context.json";
	return read_case_file(a, dir, *file, SIGN_CONTEXT_MAX, &text, &len,
	    why) && parse_context(a, text, len, c, why);
}

/*
 * cmd_sign - growvrdctl sign CASE_DIR: print the Authorization value of
 * the signed case on one line.  Exit 0; 1 with a one-line reason on
 * stderr for bad input; 2 for a usage error.
 */
int
cmd_sign(int argc, char **argv)
{
	struct arena *a;
	struct sign_case c;
	struct sigv4_out out;
	const char *file, *why;
	enum err e;
	int rc = 1;

	if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
		fprintf(stderr, "usage: growvrdctl sign CASE_DIR\n");
		return 2;
	}
	a = arena_new(LIM_ARENA_MAX);
	if (!sign_load_case(a, argv[1], &c, &file, &why))
		fprintf(stderr, "growvrdctl sign: %s/%s: %s\n", argv[1], file,
		    why);
	else if ((e = sigv4_sign(a, &c.req, &c.creds, &out)) != ERR_OK)
		fprintf(stderr, "growvrdctl sign: %s: cannot sign (%s): %s\n",
		    argv[1], err_name(e), out.why);
	else if (printf("%s\n", out.authorization) < 0 || fflush(stdout) != 0)
		fprintf(stderr, "growvrdctl sign: write error\n");
	else
		rc = 0;
	arena_free(a);
	return rc;
}
