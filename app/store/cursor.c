#include "store/cursor.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypt.h"
#include "core/limits.h"
#include "core/str.h"
#include "json/jx.h"

#define MAC_LEN 16

static unsigned char mac_key[CRYPT_SHA256_LEN];

void
cursor_set_key(const void *secret, size_t n)
{
	struct buf b;

	buf_init(&b, 4096);
	buf_puts(&b, "growvrd cursor v1\n");
	buf_append(&b, secret, n);
	crypt_sha256(b.data, b.len, mac_key);
	crypt_cleanse(b.data, b.len);
	buf_free(&b);
}

static bool
mac(const char *scope, const char *json, size_t len, unsigned char *out)
{
	unsigned char full[CRYPT_SHA256_LEN];
	struct buf b;
	bool ok;

	buf_init(&b, LIM_CURSOR_MAX + 256);
	ok = buf_puts(&b, scope) && buf_putc(&b, '\n') &&
	    buf_append(&b, json, len) &&
	    crypt_hmac_sha256(mac_key, sizeof(mac_key), b.data, b.len, full);
	buf_free(&b);
	memcpy(out, full, MAC_LEN);
	return ok;
}

enum err
cursor_encode(struct arena *a, const char *scope, struct json_object *key,
    const char **out)
{
	unsigned char tag[MAC_LEN];
	struct buf json, b;
	enum err e = ERR_TOO_LARGE;

	buf_init(&json, LIM_CURSOR_MAX);
	buf_init(&b, LIM_CURSOR_MAX * 2);
	if (jx_write(&json, key) && mac(scope, json.data, json.len, tag) &&
	    str_b64url_encode(&b, json.data, json.len) && buf_putc(&b, '.') &&
	    str_b64url_encode(&b, tag, sizeof(tag)) &&
	    (*out = arena_strndup(a, b.data, b.len)) != NULL)
		e = ERR_OK;
	buf_free(&json);
	buf_free(&b);
	return e;
}

enum err
cursor_decode(struct arena *a, const char *scope, const char *text,
    size_t len, struct json_object **key)
{
	unsigned char want[MAC_LEN];
	const char *dot, *why;
	struct buf json, tag;
	enum err e = ERR_INVALID;

	*key = NULL;
	if (len == 0 || len > LIM_CURSOR_MAX ||
	    (dot = memchr(text, '.', len)) == NULL)
		return ERR_INVALID;
	buf_init(&json, LIM_CURSOR_MAX);
	buf_init(&tag, MAC_LEN);
	if (str_b64url_decode(&json, text, (size_t)(dot - text)) &&
	    str_b64url_decode(&tag, dot + 1, len - (size_t)(dot - text) - 1) &&
	    tag.len == MAC_LEN && json.len > 0 &&
	    mac(scope, json.data, json.len, want) &&
	    str_ct_equal(want, tag.data, MAC_LEN) &&
	    jx_parse(a, json.data, json.len, LIM_CURSOR_MAX, 8, key, &why) ==
	    ERR_OK && json_object_is_type(*key, json_type_object))
		e = ERR_OK;
	else
		*key = NULL;
	buf_free(&json);
	buf_free(&tag);
	return e;
}
