/*
 * plants_jobs.h - growvrdctl plants import / plants remove: a file of
 * plants written by parallel jobs.
 *
 * The file (the seed catalog's TSV or a JSON array, ctl/plants_import)
 * is read twice.  A first pass checks every record with the catalog's
 * one schema: a bad file writes nothing.  The second pass parses it
 * once more, in the calling thread, and hands each plant to one of
 * GROWVRD_IMPORT_JOBS jobs (1 to IMPORT_JOBS_MAX, 8 by default), the one
 * its id hashes to, so that a file naming an id twice ends with its last
 * record; each job has its own connection and writes in batches
 * (BatchGetItem, then BatchWriteItem, as ctl/plants_import describes).
 * A plant is parsed twice in all, however many jobs there are.
 *
 * import makes the catalog hold each plant as the file has it (a second
 * run changes nothing); remove turns every stored plant of the file into
 * a tombstone, as the admin API's DELETE does.  A progress line goes to
 * stderr every second, the totals to stdout.
 *
 * Memory: the file is streamed; per job at most JOB_QUEUE_MAX batches of
 * PLANTS_IMPORT_BATCH plants wait, besides the one being written and the
 * one being filled (each record at most LIM_IMPORT_RECORD_MAX bytes).
 * Handing over: the reader owns a batch and its references until it
 * queues it under the shared mutex; from then on only the job touches it.
 */
#ifndef GROWVRD_PLANTS_JOBS_H
#define GROWVRD_PLANTS_JOBS_H

#include "core/err.h"

struct config;

enum plants_jobs_mode { PLANTS_JOBS_IMPORT, PLANTS_JOBS_REMOVE };

/* plants_jobs_run - import or remove the plants of path with cfg's
 * Plants table and DynamoDB endpoint. */
enum err plants_jobs_run(const struct config *cfg, const char *path,
    enum plants_jobs_mode mode);

#endif
