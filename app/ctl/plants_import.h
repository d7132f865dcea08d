/*
 * plants_import.h - bulk import of the catalog (growvrdctl plants import).
 *
 * growvrdctl's own code, not the workers': it writes Plants with PutItem
 * and BatchWriteItem, which the workers' IAM role does not allow on
 * Plants.
 *
 * A reader streams plants out of a file, one record at a time, so the
 * file's size is not bounded, only each record's: the seed catalog's TSV
 * (a header row naming the columns, then one plant a line) or a JSON
 * array of plant objects (what `growvrdctl plants export` prints).  Every
 * record is typed and validated with the catalog's one schema
 * (store/plants.h).
 *
 * The importer makes the catalog hold each plant of the file as it is
 * there, in batches: one consistent BatchGetItem for the ids of up to
 * PLANTS_IMPORT_BATCH plants, then
 *   - a plant that is not stored is written with version 1, through
 *     BatchWriteItem (which takes no condition: an admin create of the
 *     same id in the milliseconds between the read and the write would
 *     be overwritten by the file's plant);
 *   - a plant whose stored fields equal the file's is left alone (so a
 *     second import of the same file changes nothing);
 *   - a plant whose content differs, or whose stored item is a tombstone,
 *     is written with the stored version + 1 by a PutItem conditional on
 *     that version (an admin write in between is re-read, not lost).
 * Every item written carries the catalog stamp (plants_stamp) and no
 * "deleted"/"expires_at".  A "version" member in the file is ignored.
 *
 * Ownership: a reader owns its buffers until plants_reader_free; the
 * plants it returns live in the arena passed to plants_reader_next.  The
 * importer keeps its own reference to each plant it is given.
 */
#ifndef GROWVRD_PLANTS_IMPORT_H
#define GROWVRD_PLANTS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;

#define PLANTS_IMPORT_BATCH 100  /* plants per BatchGetItem round */

enum plants_format { PLANTS_TSV, PLANTS_JSON };

struct plants_reader;

/* plants_reader_new - a reader of f (borrowed; the caller closes it). */
struct plants_reader *plants_reader_new(FILE *f, enum plants_format fmt);

/* plants_reader_free - release r.  NULL is a no-op. */
void plants_reader_free(struct plants_reader *r);

/*
 * plants_reader_next - the next plant of the file in *plant (a validated
 * plain object in arena a).  Returns 1 for a plant, 0 at the end of the
 * file, -1 for bad input with msg (msglen bytes) telling where and why:
 * "line 12: difficulty must be ..." or "plant 7: ...".  After -1 the
 * reader only returns -1.
 */
int plants_reader_next(struct plants_reader *r, struct arena *a,
    struct json_object **plant, char *msg, size_t msglen);

struct plants_import {
	struct ddb         *ddb;        /* borrowed */
	const char         *table;      /* borrowed */
	long                created;    /* new, or over a tombstone */
	long                updated;    /* stored with other content */
	long                unchanged;
	long                conflicts;  /* changed meanwhile, retried */
	/* private */
	struct arena       *a;          /* the pending batch */
	struct json_object *pending;    /* plain array of plants */
	struct json_object *ids;        /* {id: true} of pending */
};

/* plants_import_init - an importer into table through d. */
void plants_import_init(struct plants_import *imp, struct ddb *d,
    const char *table);

/*
 * plants_import_add - queue plant (validated, as plants_reader_next
 * gives it), writing the batch when it is full or already holds the id.
 */
enum err plants_import_add(struct plants_import *imp,
    struct json_object *plant);

/* plants_import_flush - write what is queued. */
enum err plants_import_flush(struct plants_import *imp);

/* plants_import_free - release the queue (unwritten plants are lost). */
void plants_import_free(struct plants_import *imp);

/*
 * plants_same_content - do plant a and stored item b hold equal values in
 * every schema field?  Numbers compare by value (12 equals 12.0);
 * members outside the schema ("version", the catalog stamp) are ignored.
 */
bool plants_same_content(struct json_object *a, struct json_object *b);

#endif
