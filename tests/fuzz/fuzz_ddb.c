/*
 * libFuzzer: a DynamoDB answer.  Parsed as the client parses it, then
 * every AttributeValue path the client takes: Item, Items, Attributes,
 * LastEvaluatedKey, and a re-marshal of what unmarshals.
 */
#include <stdint.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/limits.h"
#include "json/jx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(1 << 24);
	struct json_object *ans, *it, *items;
	const char *why;
	size_t i, n;

	if (jx_parse(a, (const char *)data, size, LIM_AWS_RESP_MAX,
	    LIM_AWS_JSON_DEPTH, &ans, &why) == ERR_OK) {
		if ((it = ddb_unmarshal_item(a, jx_get(ans, "Item"))) != NULL)
			ddb_marshal_item(a, it);
		ddb_unmarshal_item(a, jx_get(ans, "Attributes"));
		ddb_unmarshal_item(a, jx_get(ans, "LastEvaluatedKey"));
		items = jx_get(ans, "Items");
		n = json_object_is_type(items, json_type_array) ?
		    json_object_array_length(items) : 0;
		for (i = 0; i < n; i++)
			ddb_unmarshal_item(a, json_object_array_get_idx(items, i));
	}
	arena_free(a);
	return 0;
}
