/*
 * log.h - one JSON object per line on stderr.
 *
 * Every value is escaped with str_json_escape, so hostile text (a header,
 * an AWS error message) can neither break the line nor forge fields.
 * Secrets never go through here.  Under systemd, stderr is the journal;
 * under make run, var/log/worker-N.log.
 */
#ifndef GROWVRD_LOG_H
#define GROWVRD_LOG_H

enum log_level {
	LOG_DEBUG,  /* LOG_DEBUG */
	LOG_INFO,   /* LOG_INFO */
	LOG_WARN,   /* LOG_WARN */
	LOG_ERROR,  /* LOG_ERROR */
	LOG__MAX
};

/* log_set_level - drop messages below lvl (default LOG_INFO). */
void log_set_level(enum log_level lvl);

/*
 * log_kv - write {"ts":...,"level":...,"msg":msg,k1:v1,...}.  The
 * variadic part is pairs of C strings ending with NULL; a NULL value is
 * written as null.
 */
void log_kv(enum log_level lvl, const char *msg, ...)
    __attribute__((sentinel));

/* log_msg - a message with printf formatting and no other fields. */
void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
