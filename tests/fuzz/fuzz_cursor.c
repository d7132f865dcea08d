/* libFuzzer: cursor_decode over any bytes, and a re-encode of what opens. */
#include <stdint.h>

#include "core/arena.h"
#include "store/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int keyed;
	struct arena *a = arena_new(1 << 20);
	struct json_object *key;
	const char *out;

	if (!keyed) {
		cursor_set_key("fuzz", 4);
		keyed = 1;
	}
	if (cursor_decode(a, "plants", (const char *)data, size, &key) ==
	    ERR_OK)
		cursor_encode(a, "plants", key, &out);
	arena_free(a);
	return 0;
}
