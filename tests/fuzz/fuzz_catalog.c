/*
 * libFuzzer: catalog_open_mem over any bytes; a snapshot that opens is
 * listed, searched, walked and ranked whole, which must stay in bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "store/catalog.h"
#include "store/plants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct plant_filter fs[] = {
		{ NULL, NULL, NULL, 0, false },
		{ "a", "direct", "kitchen", 5, true },
		{ "plant", NULL, NULL, 0, false },
	};
	struct rec_query q = { "kitchen", REC_LIGHT_BRIGHT, REC_EXP_BEGINNER,
	    false };
	size_t pos[LIM_LIST_MAX + 1], i, start, pages;
	struct catalog_entry p;
	struct catalog *c;
	const char *why;
	int scores[LIM_LIST_MAX];
	void *buf;
	bool more;

	/* A mapping is page-aligned: give the bytes an aligned home. */
	if ((buf = aligned_alloc(8, size / 8 * 8 + 8)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if ((c = catalog_open_mem(buf, size, &why)) != NULL) {
		for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
			/* A damaged order could send a walk round in
			 * circles: a request reads one page, a walk here as
			 * many as the plants. */
			start = 0;
			pages = 0;
			do {
				size_t n = catalog_list(c, &fs[i], start, 3, pos,
				    &more);
				if (n == 0)
					break;
				catalog_plant(c, pos[n - 1], &p);
				start = catalog_after(c, p.name, p.name_len, p.id,
				    p.id_len);
				catalog_find(c, p.id, p.id_len, &start);
				start = catalog_after(c, p.name, p.name_len, p.id,
				    p.id_len);
			} while (more && pages++ < 64);
		}
		catalog_rank(c, &q, LIM_LIST_MAX, pos, scores);
		catalog_close(c);
	}
	free(buf);
	return 0;
}
