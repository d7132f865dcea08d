/* libFuzzer: jx_parse and the field-table checks over any bytes. */
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "json/jx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct jx_field f[] = {
		{ "name", JX_STRING, true, 0, 64, NULL },
		{ "n", JX_INT, false, 0, 100, NULL },
		{ "x", JX_NUMBER, false, -5, 5, NULL },
		{ "d", JX_DATE, false, 0, 0, NULL },
		{ "t", JX_TIME, false, 0, 0, NULL },
		{ "l", JX_STR_ARRAY, false, 0, 4, NULL },
		{ "o", JX_OBJECT, false, 0, 0, NULL },
		{ "b", JX_BOOL, false, 0, 0, NULL },
	};
	struct arena *a = arena_new(1 << 24);
	struct json_object *o;
	const char *why, *field;
	struct buf b;

	if (jx_parse(a, (const char *)data, size, 65536, 32, &o, &why) ==
	    ERR_OK) {
		jx_check(o, f, sizeof(f) / sizeof(f[0]), false, &why, &field);
		buf_init(&b, 1 << 20);
		jx_write(&b, o);
		buf_free(&b);
	}
	arena_free(a);
	return 0;
}
