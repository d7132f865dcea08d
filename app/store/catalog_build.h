/*
 * catalog_build.h - writing catalog snapshots (store/catalog.h).
 *
 * A snapshot is written whole: the plants of the previous snapshot (their
 * bytes copied as they are, never parsed again) with a set of changes
 * applied, into a new file that is renamed over the old one.  A change is
 * a stored Plants item (store/plants.h): it replaces the plant of its id
 * when its version is newer than the snapshot's, and a tombstone removes
 * it; an older or equal version changes nothing, so changes may be
 * applied twice and in any order.  A full build is the same with no
 * previous snapshot and every item of a Scan as changes.
 *
 * Ownership: an entry made by catalog_entry_from_item owns one heap block
 * (released by catalog_entry_free); entries of a snapshot point into it.
 */
#ifndef GROWVRD_CATALOG_BUILD_H
#define GROWVRD_CATALOG_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/err.h"
#include "store/catalog.h"

struct arena;
struct catalog;

/*
 * catalog_entry_from_item - the entry of a stored Plants item (plain
 * JSON, as ddb returns items), its trees in a.  False, with *why, when
 * the item is neither a valid plant nor a tombstone.
 */
bool catalog_entry_from_item(struct arena *a, struct json_object *item,
    struct catalog_entry *e, const char **why);

/* catalog_entry_free - release what e owns. */
void catalog_entry_free(struct catalog_entry *e);

struct catalog_meta {
	int64_t built_ms;
	int64_t watermark_ms;
	int64_t table_ms;
};

/*
 * catalog_build - write the snapshot of old (NULL: none) with changes[0..n)
 * applied to path, through a temporary file beside it renamed over path.
 * *applied counts the changes that changed something; when none did and
 * force is false, nothing is written.  changes is reordered.  ERR_IO when
 * the file cannot be written, ERR_TOO_LARGE past LIM_CATALOG_FILE_MAX.
 */
enum err catalog_build(const struct catalog *old,
    struct catalog_entry *changes, size_t n, const struct catalog_meta *m,
    bool force, const char *path, size_t *applied);

#endif
