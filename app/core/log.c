#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/str.h"

/* A value is cut at LOG_VALUE_MAX bytes (escaping can grow it sixfold),
 * so that a line of a few dozen fields always fits and stays JSON. */
#define LOG_VALUE_MAX 1024
#define LOG_LINE_MAX  (64 * 1024)

static enum log_level min_level = LOG_INFO;

static const char *const level_names[LOG__MAX] = {
	"debug", /* LOG_DEBUG */
	"info",  /* LOG_INFO */
	"warn",  /* LOG_WARN */
	"error", /* LOG_ERROR */
};

void
log_set_level(enum log_level lvl)
{
	min_level = lvl;
}

static void
put_str(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	buf_putc(b, '"');
	str_json_escape(b, s, n > LOG_VALUE_MAX ? LOG_VALUE_MAX : n);
	if (n > LOG_VALUE_MAX)
		buf_puts(b, "...");
	buf_putc(b, '"');
}

static void
open_line(struct buf *b, enum log_level lvl)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\"", when,
	    ts.tv_nsec / 1000000L, level_names[lvl]);
}

static void
close_line(struct buf *b)
{
	buf_puts(b, "}\n");
	/* One write per line: lines from a worker never interleave. */
	fwrite(b->data, 1, b->len, stderr);
	fflush(stderr);
	buf_free(b);
}

void
log_kv(enum log_level lvl, const char *msg, ...)
{
	struct buf b;
	const char *k, *v;
	va_list ap;

	if (lvl < min_level || lvl >= LOG__MAX)
		return;
	buf_init(&b, LOG_LINE_MAX);
	open_line(&b, lvl);
	buf_puts(&b, ",\"msg\":");
	put_str(&b, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		buf_putc(&b, ',');
		put_str(&b, k);
		buf_putc(&b, ':');
		if (v == NULL)
			buf_puts(&b, "null");
		else
			put_str(&b, v);
	}
	va_end(ap);
	close_line(&b);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (lvl < min_level || lvl >= LOG__MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_kv(lvl, text, NULL);
}
