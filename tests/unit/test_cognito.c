/*
 * test_cognito.c - aws/cognito and auth/email: SECRET_HASH against an
 * independently computed value, the password policy and the address
 * grammar, the strict parsers of Cognito's answers (every truncation
 * refused), the operations against a scripted Cognito (targets,
 * signing, bodies, error mapping) and the sub -> email cache.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/email.h"
#include "auth/principal.h"
#include "aws/aws.h"
#include "aws/cognito.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "json/jx.h"
#include "net/httpc.h"

#define CLIENT_ID "1example23456789"
#define SECRET    "vk1bs7cpmvd2l3ghmj2uro0h1t0o3sp4cd1qq14u0n6hm4lmko5"
/*
 * Computed once with
 *   printf '%s' 'user@example.com1example23456789' |
 *     openssl dgst -sha256 -hmac "$SECRET" -binary | base64
 */
#define HASH_EMAIL "uL5SPfqY7dWbu4JvwobdxylFAgVovB/SqGNSRMMZUFo="
#define SUB        "6b1a7c1e-4c5d-4e7b-9a3f-2f1d5e6c7b8a"
#define HASH_SUB   "2yErkCUUoZ9ZdHEWlFU606eQzsoOniL7rhBxnfP+4wA="

#define AUTH_OK "{\"ChallengeParameters\":{},\"AuthenticationResult\":" \
    "{\"AccessToken\":\"aaa.bbb.ccc\",\"IdToken\":\"ddd.eee.fff\"," \
    "\"RefreshToken\":\"ggg.hhh.iii\"}}"
#define USER_OK "{\"Username\":\"" SUB "\",\"UserAttributes\":[" \
    "{\"Name\":\"sub\",\"Value\":\"" SUB "\"}," \
    "{\"Name\":\"email\",\"Value\":\"user@example.com\"}," \
    "{\"Name\":\"email_verified\",\"Value\":\"true\"}," \
    "{\"Name\":\"name\",\"Value\":\"Ann\"}]}"

static struct httpc *http;

/* ---- SECRET_HASH, policy, grammar ---- */

static void
test_secret_hash(void)
{
	struct arena *a = arena_new(1 << 16);
	const char *h;

	CASE("secret hash: equals openssl's HMAC-SHA256 in base64");
	CHECK(cog_secret_hash(a, SECRET, CLIENT_ID, "user@example.com", &h) ==
	    ERR_OK);
	CHECK_STR(h, HASH_EMAIL);
	CHECK(cog_secret_hash(a, SECRET, CLIENT_ID, SUB, &h) == ERR_OK);
	CHECK_STR(h, HASH_SUB);
	END_CASE();
	arena_free(a);
}

static void
test_password_policy(void)
{
	static const struct {
		const char *pw;
		bool        ok;
	} cases[] = {
		{ "Abcdef1!", true },
		{ "Local-User-Pw1", true },
		{ "Abc def1", true },           /* an inner space is a symbol */
		{ "Ünïcödé-Pw1", true },
		{ "Abcde1!", false },           /* 7 */
		{ "abcdef1!", false },          /* no upper */
		{ "ABCDEF1!", false },          /* no lower */
		{ "Abcdefg!", false },          /* no digit */
		{ "Abcdefg1", false },          /* no symbol */
		{ " Abcdef1!", false },
		{ "Abcdef1! ", false },
		{ "Abcdef1!\t", false },
		{ "Abcde\x7f" "1!", false },
		{ "Äbcdéf1", false },           /* 7 code points, 9 bytes */
		{ "", false },
	};
	char big[300];
	size_t i;

	CASE("password policy: min 8, upper, lower, digit, symbol");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cog_password_problem(cases[i].pw,
		    strlen(cases[i].pw));
		if ((why == NULL) != cases[i].ok)
			printf("  %s: %s\n", cases[i].pw, why ? why : "passed");
		CHECK((why == NULL) == cases[i].ok);
	}
	CHECK_STR(cog_password_problem("abcdef1!", 8),
	    "must contain an upper-case letter");
	CHECK_STR(cog_password_problem("Abcdefg1", 8),
	    "must contain a symbol such as ! ? # % or -");
	memset(big, 'a', sizeof(big));
	memcpy(big, "A1!", 3);
	CHECK(cog_password_problem(big, 256) == NULL);
	CHECK(cog_password_problem(big, 257) != NULL);
	END_CASE();
}

static void
test_email_grammar(void)
{
	static const char *const good[] = { "a@b.co", "user@example.com",
	    "first.last+tag@sub.example-x.org", "o'neil@x.io",
	    "USER@EXAMPLE.COM", "t-1-2@growvrd.test" };
	static const char *const bad[] = { "", "a", "@b.co", "a@", "a@b",
	    "a@@b.co", "a@b@c.co", ".a@b.co", "a.@b.co", "a..b@c.co",
	    "a b@c.co", "a@-b.co", "a@b-.co", "a@b..co", "a@.b.co",
	    "a@b.co.", "\"a\"@b.co", "a@[127.0.0.1]", "a(c)@b.co",
	    "ü@b.co", "a@b\n.co", "a@b_c.co" };
	char big[300];
	size_t i;

	CASE("email grammar: plain local@domain only");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(cog_email_valid(good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cog_email_valid(bad[i], strlen(bad[i])))
			printf("  accepted: %s\n", bad[i]);
		CHECK(!cog_email_valid(bad[i], strlen(bad[i])));
	}
	memset(big, 'a', sizeof(big));
	big[64] = '@';
	memcpy(big + 65, "b.co", 4);
	CHECK(cog_email_valid(big, 69));
	big[64] = 'a';
	big[65] = '@';
	memcpy(big + 66, "b.co", 4);
	CHECK(!cog_email_valid(big, 70));       /* local part of 65 */
	CHECK(!cog_email_valid("a@b.co\0x", 8));
	END_CASE();
}

/* ---- parsers ---- */

static void
test_parse_auth(void)
{
	static const char *const bad[] = {
		"", "[]", "null", "{}", "{\"AuthenticationResult\":[]}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"a\"}}",
		"{\"AuthenticationResult\":{\"AccessToken\":1,"
		"\"IdToken\":\"b\",\"RefreshToken\":\"c\"}}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"a b\","
		"\"IdToken\":\"b\",\"RefreshToken\":\"c\"}}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"\","
		"\"IdToken\":\"b\",\"RefreshToken\":\"c\"}}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"a\","
		"\"IdToken\":\"b\",\"RefreshToken\":\"c\","
		"\"ExpiresIn\":\"3600\"}}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"a\","
		"\"IdToken\":\"b\",\"RefreshToken\":\"c\",\"ExpiresIn\":0}}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"a\","
		"\"IdToken\":\"b\",\"RefreshToken\":\"c\",\"TokenType\":7}}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"a\","
		"\"AccessToken\":\"a\",\"IdToken\":\"b\","
		"\"RefreshToken\":\"c\"}}",
		"{\"AuthenticationResult\":{\"AccessToken\":\"a\\u0000\","
		"\"IdToken\":\"b\",\"RefreshToken\":\"c\"}}",
		"{\"ChallengeName\":5}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct cog_tokens t;
	const char *why;
	size_t i, n;
	char *big;

	CASE("parse InitiateAuth: cognito-local and AWS shapes, refusals");
	CHECK(cog_parse_auth(a, AUTH_OK, strlen(AUTH_OK), true, &t, &why) ==
	    ERR_OK);
	CHECK_STR(t.access_token, "aaa.bbb.ccc");
	CHECK_STR(t.id_token, "ddd.eee.fff");
	CHECK_STR(t.refresh_token, "ggg.hhh.iii");
	CHECK(t.expires_in == 0 && t.token_type == NULL);
	{
		const char *aws = "{\"AuthenticationResult\":{\"AccessToken\":"
		    "\"a-_.9\",\"ExpiresIn\":3600,\"IdToken\":\"b\","
		    "\"TokenType\":\"Bearer\",\"NewDeviceMetadata\":null},"
		    "\"ChallengeParameters\":{}}";
		CHECK(cog_parse_auth(a, aws, strlen(aws), false, &t, &why) ==
		    ERR_OK);
		CHECK(t.expires_in == 3600 && t.refresh_token == NULL);
		CHECK_STR(t.token_type, "Bearer");
		/* a refresh token is required on a password login */
		CHECK(cog_parse_auth(a, aws, strlen(aws), true, &t, &why) ==
		    ERR_UPSTREAM);
	}
	{
		const char *ch = "{\"ChallengeName\":\"NEW_PASSWORD_REQUIRED\","
		    "\"Session\":\"x\",\"ChallengeParameters\":{}}";
		CHECK(cog_parse_auth(a, ch, strlen(ch), true, &t, &why) ==
		    ERR_FORBIDDEN);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum err e = cog_parse_auth(a, bad[i], strlen(bad[i]), true, &t,
		    &why);
		if (e != ERR_UPSTREAM)
			printf("  not refused (%d): %s\n", e, bad[i]);
		CHECK(e == ERR_UPSTREAM && t.access_token == NULL);
	}
	/* every truncation of a good answer is refused */
	n = strlen(AUTH_OK);
	for (i = 0; i < n; i++)
		CHECK(cog_parse_auth(a, AUTH_OK, i, true, &t, &why) ==
		    ERR_UPSTREAM);
	/* a token past LIM_TOKEN_MAX */
	big = malloc(LIM_TOKEN_MAX + 200);
	n = (size_t)snprintf(big, 200, "{\"AuthenticationResult\":{"
	    "\"IdToken\":\"b\",\"RefreshToken\":\"c\",\"AccessToken\":\"");
	memset(big + n, 'x', LIM_TOKEN_MAX + 1);
	memcpy(big + n + LIM_TOKEN_MAX + 1, "\"}}", 4);
	CHECK(cog_parse_auth(a, big, strlen(big), true, &t, &why) ==
	    ERR_UPSTREAM);
	memcpy(big + n + LIM_TOKEN_MAX, "\"}}", 4);
	CHECK(cog_parse_auth(a, big, strlen(big), true, &t, &why) == ERR_OK);
	free(big);
	END_CASE();
	arena_free(a);
}

static void
test_parse_sign_up_and_user(void)
{
	static const char *const bad_users[] = {
		"{}", "{\"Username\":\"\"}", "{\"Username\":1}",
		"{\"Username\":\"u\",\"UserAttributes\":{}}",
		"{\"Username\":\"u\",\"UserAttributes\":[1]}",
		"{\"Username\":\"u\",\"UserAttributes\":[{\"Value\":\"x\"}]}",
		"{\"Username\":\"u\",\"UserAttributes\":[{\"Name\":\"email\","
		"\"Value\":5}]}",
		"{\"Username\":\"u\",\"UserAttributes\":[{\"Name\":\"email\","
		"\"Value\":\"a@b.co\"},{\"Name\":\"email\","
		"\"Value\":\"c@d.co\"}]}",
		"{\"Username\":\"u\",\"UserAttributes\":[{\"Name\":\"email\","
		"\"Value\":\"a b@c.co\"}]}",
		"{\"Username\":\"u\",\"UserAttributes\":[{\"Name\":\"x\","
		"\"Value\":[]}]}",
	};
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct cog_user u;
	const char *why, *sub;
	char many[8192];
	size_t i, n;
	bool conf;

	CASE("parse SignUp and GetUser answers strictly");
	{
		const char *s = "{\"UserConfirmed\":false,\"UserSub\":\"" SUB
		    "\",\"CodeDeliveryDetails\":"
		    "{\"DeliveryMedium\":\"EMAIL\"}}";
		CHECK(cog_parse_sign_up(a, s, strlen(s), &sub, &conf, &why) ==
		    ERR_OK);
		CHECK_STR(sub, SUB);
		CHECK(!conf);
		CHECK(cog_parse_sign_up(a, "{\"UserSub\":\"x\"}", 14, &sub,
		    &conf, &why) == ERR_UPSTREAM);
		CHECK(cog_parse_sign_up(a, "{\"UserConfirmed\":true,"
		    "\"UserSub\":\"a b\"}", 38, &sub, &conf, &why) ==
		    ERR_UPSTREAM);
	}
	CHECK(cog_parse_user(a, USER_OK, strlen(USER_OK), &u, &why) == ERR_OK);
	CHECK_STR(u.username, SUB);
	CHECK_STR(u.sub, SUB);
	CHECK_STR(u.email, "user@example.com");
	CHECK_STR(u.name, "Ann");
	CHECK(u.email_verified);
	for (i = 0; i < sizeof(bad_users) / sizeof(bad_users[0]); i++) {
		if (cog_parse_user(a, bad_users[i], strlen(bad_users[i]), &u,
		    &why) != ERR_UPSTREAM)
			printf("  not refused: %s\n", bad_users[i]);
		CHECK(u.username == NULL);
	}
	n = strlen(USER_OK);
	for (i = 0; i < n; i++)
		CHECK(cog_parse_user(a, USER_OK, i, &u, &why) == ERR_UPSTREAM);
	/* at most COG_ATTRS_MAX attributes */
	n = (size_t)snprintf(many, sizeof(many),
	    "{\"Username\":\"u\",\"UserAttributes\":[");
	for (i = 0; i <= COG_ATTRS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
		    "%s{\"Name\":\"custom:a%zu\",\"Value\":\"v\"}",
		    i ? "," : "", i);
	snprintf(many + n, sizeof(many) - n, "]}");
	CHECK(cog_parse_user(a, many, strlen(many), &u, &why) == ERR_UPSTREAM);
	END_CASE();
	arena_free(a);
}

/* ---- a scripted Cognito ---- */

static struct {
	int         status;
	const char *body;
} script;

static void
h_script(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n, (void)r;
	a->status = script.status;
	a->body = script.body;
}

static void
answer(int status, const char *body)
{
	script.status = status;
	script.body = body;
}

static void
no_sleep(void *ctx, long ms)
{
	(void)ctx, (void)ms;
}

static double
rand_low(void *ctx)
{
	(void)ctx;
	return 0.0;
}

/* The client under test and the email cache it feeds. */
struct app {
	struct cog          g;
	struct email_cache *emails;
};

static void
app_init(struct app *app, const char *url)
{
	struct aws_config ac = { "us-east-1", 500, 2000, 3 };

	memset(app, 0, sizeof(*app));
	app->g.endpoint = url;
	app->g.client_id = CLIENT_ID;
	app->g.client_secret = SECRET;
	app->g.user_pool_id = "us-east-1_TEST";
	app->g.aws = aws_new(&ac, http);
	if (app->g.aws != NULL)
		retry_set_hooks(aws_retry(app->g.aws), no_sleep, rand_low,
		    NULL);
	app->emails = email_cache_new();
}

static void
app_done(struct app *app)
{
	aws_free(app->g.aws);
	email_cache_free(app->emails);
}

/* The last request's body parsed, and its target and signature. */
static struct json_object *
last_request(struct fake *f, struct arena *a, char *target, size_t n,
    bool *is_signed)
{
	struct fake_req r;
	struct json_object *o = NULL;
	const char *why;
	char v[1024];

	fake_last(f, &r);
	target[0] = '\0';
	fake_header(&r, "X-Amz-Target", target, n);
	*is_signed = fake_header(&r, "Authorization", v, sizeof(v));
	if (!fake_header(&r, "Content-Type", v, sizeof(v)) ||
	    strcmp(v, "application/x-amz-json-1.1") != 0)
		target[0] = '\0';
	jx_parse(a, r.body, r.body_len, 1 << 16, 8, &o, &why);
	return o;
}

static void
test_operations(void)
{
	struct fake *f = fake_start(h_script, NULL);
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct json_object *req;
	struct cog_tokens t;
	struct cog_user u;
	struct app app;
	const char *why, *sub;
	char target[128];
	bool conf, sig;

	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-example", 1);
	unsetenv("AWS_SESSION_TOKEN");
	app_init(&app, f->url);

	CASE("SignUp: unsigned, SecretHash over the email, attributes");
	answer(200, "{\"UserConfirmed\":false,\"UserSub\":\"" SUB "\"}");
	CHECK(cog_sign_up(&app.g, a, "user@example.com", "Abcdef1!", "Ann",
	    &sub, &conf, &why) == ERR_OK);
	CHECK_STR(sub, SUB);
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(target, "AWSCognitoIdentityProviderService.SignUp");
	CHECK(!sig);
	CHECK_STR(jx_str(req, "ClientId", NULL), CLIENT_ID);
	CHECK_STR(jx_str(req, "Username", NULL), "user@example.com");
	CHECK_STR(jx_str(req, "SecretHash", NULL), HASH_EMAIL);
	CHECK(json_object_array_length(jx_get(req, "UserAttributes")) == 2);
	END_CASE();

	CASE("InitiateAuth: SECRET_HASH of the email; a refresh's of sub");
	answer(200, AUTH_OK);
	CHECK(cog_password_auth(&app.g, a, "user@example.com", "Abcdef1!", &t,
	    &why) == ERR_OK);
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(target, "AWSCognitoIdentityProviderService.InitiateAuth");
	CHECK_STR(jx_str(req, "AuthFlow", NULL), "USER_PASSWORD_AUTH");
	CHECK_STR(jx_str(jx_get(req, "AuthParameters"), "SECRET_HASH", NULL),
	    HASH_EMAIL);
	CHECK(cog_refresh_auth(&app.g, a, SUB, "ggg.hhh.iii", &t, &why) ==
	    ERR_OK);
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(jx_str(req, "AuthFlow", NULL), "REFRESH_TOKEN_AUTH");
	CHECK_STR(jx_str(jx_get(req, "AuthParameters"), "SECRET_HASH", NULL),
	    HASH_SUB);
	CHECK_STR(jx_str(jx_get(req, "AuthParameters"), "REFRESH_TOKEN",
	    NULL), "ggg.hhh.iii");
	END_CASE();

	CASE("login: wrong password and unknown user are the same refusal");
	answer(400, "{\"__type\":\"InvalidPasswordException\","
	    "\"message\":\"Invalid password\"}");
	CHECK(cog_password_auth(&app.g, a, "u@x.io", "pw", &t, &why) ==
	    ERR_UNAUTHENTICATED);
	answer(400, "{\"__type\":\"NotAuthorizedException\","
	    "\"message\":\"User not authorized\"}");
	CHECK(cog_password_auth(&app.g, a, "u@x.io", "pw", &t, &why) ==
	    ERR_UNAUTHENTICATED);
	answer(400, "{\"__type\":\"UserNotFoundException\",\"message\":\"x\"}");
	CHECK(cog_password_auth(&app.g, a, "u@x.io", "pw", &t, &why) ==
	    ERR_UNAUTHENTICATED);
	answer(400, "{\"__type\":\"UserNotConfirmedException\","
	    "\"message\":\"User is not confirmed.\"}");
	CHECK(cog_password_auth(&app.g, a, "u@x.io", "pw", &t, &why) ==
	    ERR_FORBIDDEN);
	END_CASE();

	CASE("error mapping: exists, code, quota, unsupported, unknown");
	answer(400, "{\"__type\":\"UsernameExistsException\","
	    "\"message\":\"User already exists\"}");
	CHECK(cog_sign_up(&app.g, a, "u@x.io", "Abcdef1!", NULL, &sub, &conf,
	    &why) == ERR_EXISTS);
	answer(400, "{\"__type\":\"CodeMismatchException\",\"message\":\"x\"}");
	CHECK(cog_confirm_sign_up(&app.g, a, "u@x.io", "1234", &why) ==
	    ERR_INVALID);
	CHECK_STR(why, "the code is wrong");
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(jx_str(req, "ConfirmationCode", NULL), "1234");
	answer(400, "{\"__type\":\"LimitExceededException\","
	    "\"message\":\"x\"}");
	CHECK(cog_forgot_password(&app.g, a, "u@x.io", &why) == ERR_QUOTA);
	answer(400, "{\"__type\":\"TooManyFailedAttemptsException\","
	    "\"message\":\"x\"}");
	CHECK(cog_confirm_forgot_password(&app.g, a, "u@x.io", "1", "Abcdef1!",
	    &why) == ERR_QUOTA);
	answer(500, "{\"__type\":\"CognitoLocal#Unsupported\",\"message\":"
	    "\"Cognito Local unsupported feature: Unsupported x-amz-target\"}");
	CHECK(cog_resend_code(&app.g, a, "u@x.io", &why) == ERR_UNSUPPORTED);
	answer(400, "{\"__type\":\"ResourceNotFoundException\",\"message\":"
	    "\"arn:aws:cognito-idp:secret-pool\"}");
	CHECK(cog_revoke_token(&app.g, a, "t.t.t", &why) == ERR_UPSTREAM);
	CHECK(strstr(why, "arn") == NULL);
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(jx_str(req, "ClientSecret", NULL), SECRET);
	answer(503, "{\"__type\":\"InternalErrorException\"}");
	CHECK(cog_forgot_password(&app.g, a, "u@x.io", &why) == ERR_UNAVAILABLE);
	answer(200, "[]");
	CHECK(cog_confirm_sign_up(&app.g, a, "u@x.io", "1", &why) ==
	    ERR_UPSTREAM);
	END_CASE();

	CASE("ChangePassword and GetUser carry the access token; Admin signs");
	answer(200, "{}");
	CHECK(cog_change_password(&app.g, a, "acc.ess.tok", "Old-pw-1",
	    "New-pw-1", &why) == ERR_OK);
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(jx_str(req, "AccessToken", NULL), "acc.ess.tok");
	CHECK(jx_get(req, "ClientId") == NULL && !sig);
	answer(200, USER_OK);
	CHECK(cog_get_user(&app.g, a, "acc.ess.tok", &u, &why) == ERR_OK);
	CHECK_STR(u.email, "user@example.com");
	answer(200, "{}");
	CHECK(cog_admin_delete_user(&app.g, a, SUB) == ERR_OK);
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(target, "AWSCognitoIdentityProviderService.AdminDeleteUser");
	CHECK(sig);
	CHECK_STR(jx_str(req, "UserPoolId", NULL), "us-east-1_TEST");
	answer(400, "{\"__type\":\"UserNotFoundException\",\"message\":\"x\"}");
	CHECK(cog_admin_delete_user(&app.g, a, SUB) == ERR_NOT_FOUND);
	END_CASE();

	CASE("state-changing calls are not repeated once they may have "
	    "arrived: 503, outcome unknown");
	{
		int before = atomic_load(&f->requests);
		answer(500, "{\"__type\":\"InternalErrorException\"}");
		CHECK(cog_change_password(&app.g, a, "a.b.c", "Old-pass1!",
		    "New-pass1!", &why) == ERR_UNAVAILABLE);
		CHECK(strstr(why, "may or may not") != NULL);
		CHECK(atomic_load(&f->requests) == before + 1);
		answer(500, "{\"__type\":\"InternalErrorException\"}");
		CHECK(cog_sign_up(&app.g, a, "user@example.com", "Abcdef1!",
		    NULL, &sub, &conf, &why) == ERR_UNAVAILABLE);
		CHECK(atomic_load(&f->requests) == before + 2);
		/* a read is safe to repeat: three attempts */
		CHECK(cog_admin_get_user(&app.g, a, SUB, &u, &why) ==
		    ERR_UNAVAILABLE);
		CHECK(atomic_load(&f->requests) == before + 5);
	}
	END_CASE();

	CASE("no secret: no SecretHash; no endpoint: unavailable");
	app.g.client_secret = "";
	answer(200, "{}");
	CHECK(cog_forgot_password(&app.g, a, "u@x.io", &why) == ERR_OK);
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK(jx_get(req, "SecretHash") == NULL);
	app.g.endpoint = "";
	CHECK(cog_forgot_password(&app.g, a, "u@x.io", &why) == ERR_UNAVAILABLE);
	END_CASE();

	app_done(&app);
	arena_free(a);
	fake_stop(f);
}

/* ---- the email cache ---- */

static void
test_email_cache(void)
{
	struct email_cache *c = email_cache_new();
	char sub[64], email[64];
	int i, found = 0;
	bool v;

	CASE("email cache: hit, TTL, replace, bounded eviction");
	CHECK(email_cache_get(c, "s1", 100, NULL) == NULL);
	email_cache_put(c, "s1", "a@b.co", true, 100);
	CHECK_STR(email_cache_get(c, "s1", 100, &v), "a@b.co");
	CHECK(v);
	CHECK_STR(email_cache_get(c, "s1", 100 + EMAIL_CACHE_TTL - 1, NULL),
	    "a@b.co");
	CHECK(email_cache_get(c, "s1", 100 + EMAIL_CACHE_TTL, NULL) == NULL);
	email_cache_put(c, "s1", "new@b.co", true, 200);
	CHECK_STR(email_cache_get(c, "s1", 201, NULL), "new@b.co");
	/* far more subs than slots: never more than the slots, no crash */
	for (i = 0; i < 4 * EMAIL_CACHE_SLOTS; i++) {
		snprintf(sub, sizeof(sub), "sub-%d", i);
		snprintf(email, sizeof(email), "u%d@b.co", i);
		email_cache_put(c, sub, email, true, 300 + i);
	}
	for (i = 0; i < 4 * EMAIL_CACHE_SLOTS; i++) {
		snprintf(sub, sizeof(sub), "sub-%d", i);
		found += email_cache_get(c, sub, 300 + 4 * EMAIL_CACHE_SLOTS,
		    NULL) != NULL;
	}
	CHECK(found > 0 && found <= EMAIL_CACHE_SLOTS);
	/* the newest survive eviction */
	snprintf(sub, sizeof(sub), "sub-%d", 4 * EMAIL_CACHE_SLOTS - 1);
	CHECK(email_cache_get(c, sub, 300 + 4 * EMAIL_CACHE_SLOTS, NULL) !=
	    NULL);
	email_cache_put(c, "", "x@y.co", true, 1);
	CHECK(email_cache_get(c, "", 1, NULL) == NULL);
	email_cache_put(NULL, "s", "e@f.co", true, 1);
	END_CASE();

	CASE("email cache: unverified answers live shorter; drop forgets");
	email_cache_put(c, "s2", "u@b.co", false, 100);
	CHECK_STR(email_cache_get(c, "s2", 100, &v), "u@b.co");
	CHECK(!v);
	CHECK(email_cache_get(c, "s2", 100 + EMAIL_CACHE_UNVERIFIED_TTL,
	    NULL) == NULL);
	email_cache_put(c, "s3", "w@b.co", true, 100);
	email_cache_drop(c, "s3");
	CHECK(email_cache_get(c, "s3", 100, NULL) == NULL);
	email_cache_drop(c, "never");
	END_CASE();
	email_cache_free(c);
	email_cache_free(NULL);
}

static int getuser_calls;

static void
h_getuser(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n;
	getuser_calls++;
	if (strstr(r->body, "sub-gone") != NULL) {
		a->status = 400;
		a->body = "{\"__type\":\"UserNotFoundException\","
		    "\"message\":\"User does not exist.\"}";
	} else if (strstr(r->body, "sub-other") != NULL) {
		a->body = "{\"Username\":\"x\",\"UserAttributes\":["
		    "{\"Name\":\"sub\",\"Value\":\"another-sub\"},"
		    "{\"Name\":\"email\",\"Value\":\"x@y.co\"},"
		    "{\"Name\":\"email_verified\",\"Value\":\"true\"}]}";
	} else if (strstr(r->body, "sub-unverified") != NULL) {
		/* e.g. after an email change cognito-local applied at once */
		a->body = "{\"Username\":\"sub-unverified\",\"UserAttributes\":["
		    "{\"Name\":\"sub\",\"Value\":\"sub-unverified\"},"
		    "{\"Name\":\"email\",\"Value\":\"victim@y.co\"},"
		    "{\"Name\":\"email_verified\",\"Value\":\"false\"}]}";
	} else
		a->body = USER_OK;
}

static void
test_email_resolve(void)
{
	struct fake *f = fake_start(h_getuser, NULL);
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct app app;
	const char *email;
	char target[128];
	struct json_object *req;
	bool sig;

	app_init(&app, f->url);
	CASE("email_resolve: AdminGetUser by sub, signed, then the cache");
	getuser_calls = 0;
	CHECK(email_resolve(app.emails, &app.g, a, SUB, &email) == ERR_OK);
	CHECK_STR(email, "user@example.com");
	req = last_request(f, a, target, sizeof(target), &sig);
	CHECK_STR(target, "AWSCognitoIdentityProviderService.AdminGetUser");
	CHECK(sig);
	CHECK_STR(jx_str(req, "Username", NULL), SUB);
	CHECK(email_resolve(app.emails, &app.g, a, SUB, &email) == ERR_OK);
	CHECK_STR(email, "user@example.com");
	CHECK(getuser_calls == 1);
	END_CASE();

	CASE("email_resolve: unverified is forbidden (and cached)");
	CHECK(email_resolve(app.emails, &app.g, a, "sub-unverified", &email) ==
	    ERR_FORBIDDEN);
	CHECK(email == NULL);
	CHECK(email_resolve(app.emails, &app.g, a, "sub-unverified", &email) ==
	    ERR_FORBIDDEN);
	CHECK(getuser_calls == 2);
	END_CASE();

	CASE("email_resolve: a deleted user, an answer for another sub");
	CHECK(email_resolve(app.emails, &app.g, a, "sub-gone", &email) ==
	    ERR_UNAUTHENTICATED);
	CHECK(email == NULL);
	CHECK(email_resolve(app.emails, &app.g, a, "sub-other", &email) ==
	    ERR_UNAVAILABLE);
	CHECK(email == NULL);
	CHECK(email_cache_get(app.emails, "sub-other", email_cache_now(),
	    NULL) == NULL);
	END_CASE();
	app_done(&app);
	arena_free(a);
	fake_stop(f);
}

int
main(void)
{
	log_set_level(LOG_ERROR);
	httpc_global_init();
	http = httpc_new();
	test_secret_hash();
	test_password_policy();
	test_email_grammar();
	test_parse_auth();
	test_parse_sign_up_and_user();
	test_operations();
	test_email_cache();
	test_email_resolve();
	httpc_free(http);
	httpc_global_cleanup();
	return harness_done();
}
