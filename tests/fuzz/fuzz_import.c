/*
 * libFuzzer: the import file readers (ctl/plants_import) over any bytes,
 * as a JSON array of plants and as a catalog TSV, read to the end or to
 * the first error.
 */
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "ctl/plants_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_all(const uint8_t *data, size_t size, enum plants_format fmt)
{
	FILE *f = fmemopen((void *)data, size, "rb");
	struct plants_reader *r;
	struct json_object *plant;
	struct arena *a;
	char msg[256];

	if (f == NULL)
		return;
	r = plants_reader_new(f, fmt);
	a = arena_new(1 << 22);
	while (plants_reader_next(r, a, &plant, msg, sizeof(msg)) > 0)
		arena_reset(a);
	arena_free(a);
	plants_reader_free(r);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;       /* fmemopen refuses an empty buffer */
	read_all(data, size, PLANTS_JSON);
	read_all(data, size, PLANTS_TSV);
	return 0;
}
