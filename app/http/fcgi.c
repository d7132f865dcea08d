#include "http/fcgi.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "core/metrics.h"
#include "core/xalloc.h"

/*
 * Stopping without losing a request: libfcgi retries no read or write
 * that a signal interrupts (EINTR fails the request: a dropped
 * connection while the parameters are read, a short body after).  So
 * SIGTERM and SIGINT stay blocked from fcgi_open on, and are let in only
 * while the worker waits idle in pselect() for the next connection; a
 * signal that comes during a request waits until the request is done.
 * fd 0 is made non-blocking, so accept() never blocks with the signals
 * blocked either (pselect said a connection is there; if it went, accept
 * says EAGAIN and we wait again).
 */
struct fcgi {
	FCGX_Request req;
	int          fd;            /* the listening socket */
	bool         active;
	sigset_t     idle_mask;     /* signal mask while waiting in pselect */
	void       (*idle_fn)(void *);
	void        *idle_ctx;
	long         idle_ms;
};

static volatile sig_atomic_t shutdown_asked;

void
fcgi_request_shutdown(void)
{
	shutdown_asked = 1;
	FCGX_ShutdownPending();
}

bool
fcgi_shutting_down(void)
{
	return shutdown_asked != 0;
}

/* Block the stop signals; remember the mask that lets them in. */
static bool
block_stop_signals(struct fcgi *f)
{
	sigset_t stop;
	int fl;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop, &f->idle_mask) != 0)
		return false;
	sigdelset(&f->idle_mask, SIGTERM);
	sigdelset(&f->idle_mask, SIGINT);
	fl = fcntl(0, F_GETFL);
	return fl != -1 && fcntl(0, F_SETFL, fl | O_NONBLOCK) != -1;
}

struct fcgi *
fcgi_open(void)
{
	struct fcgi *f;
	struct stat st;

	if (fstat(0, &st) != 0 || !S_ISSOCK(st.st_mode))
		return NULL;
	if (FCGX_Init() != 0)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->fd = 0;
	/* Fail the accept on EINTR so SIGTERM is noticed while idle. */
	if (FCGX_InitRequest(&f->req, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		free(f);
		return NULL;
	}
	if (!block_stop_signals(f)) {
		FCGX_Free(&f->req, 1);
		free(f);
		return NULL;
	}
	return f;
}

struct fcgi *
fcgi_open_unix(const char *path)
{
	struct fcgi *f;
	int fd;

	if (FCGX_Init() != 0)
		return NULL;
	/* libfcgi unlinks an old socket file at path before binding. */
	if ((fd = FCGX_OpenSocket(path, 64)) < 0)
		return NULL;
	if (chmod(path, 0666) != 0) {
		close(fd);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	if (FCGX_InitRequest(&f->req, fd, 0) != 0) {
		close(fd);
		free(f);
		return NULL;
	}
	return f;
}

bool
fcgi_accept_blocking(struct fcgi *f)
{
	struct timespec pause = { 0, 10 * 1000000L };
	int fails;

	/* A connection that went away fails one accept; a listener that
	 * keeps failing (fd limit) is not spun on. */
	for (fails = 0; fails < 1000; fails++) {
		if (FCGX_Accept_r(&f->req) == 0) {
			f->active = true;
			return true;
		}
		nanosleep(&pause, NULL);
	}
	return false;
}

void
fcgi_close(struct fcgi *f)
{
	if (f == NULL)
		return;
	if (f->active)
		FCGX_Finish_r(&f->req);
	FCGX_Free(&f->req, 1);
	free(f);
}

void
fcgi_set_idle(struct fcgi *f, void (*fn)(void *), void *ctx, long ms)
{
	f->idle_fn = fn;
	f->idle_ctx = ctx;
	f->idle_ms = ms > 0 ? ms : 1000;
}

bool
fcgi_accept(struct fcgi *f)
{
	struct timespec tick, due, *metrics_due;
	fd_set rd;
	int n;

	while (!shutdown_asked) {
		FD_ZERO(&rd);
		FD_SET(0, &rd);
		tick.tv_sec = f->idle_ms / 1000;
		tick.tv_nsec = (f->idle_ms % 1000) * 1000000L;
		/* Idle, the worker still writes its metrics when due (at most
		 * one idle tick late). */
		metrics_due = metrics_idle(&due);
		/* The only place where SIGTERM can arrive: EINTR, see above. */
		n = pselect(1, &rd, NULL, NULL, f->idle_fn != NULL ? &tick :
		    metrics_due, &f->idle_mask);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return false;
		}
		if (n == 0 && f->idle_fn != NULL && !shutdown_asked)
			f->idle_fn(f->idle_ctx);
		if (n == 0 || !FD_ISSET(0, &rd))
			continue;
		if (FCGX_Accept_r(&f->req) == 0) {
			f->active = true;
			return true;
		}
		/* The connection went away, or no answer: wait for the next. */
	}
	return false;
}

const char *
fcgi_param(struct fcgi *f, const char *name)
{
	return FCGX_GetParam(name, f->req.envp);
}

size_t
fcgi_read(struct fcgi *f, char *p, size_t n)
{
	int got;

	if (n > INT32_MAX)
		n = INT32_MAX;
	got = FCGX_GetStr(p, (int)n, f->req.in);
	return got > 0 ? (size_t)got : 0;
}

bool
fcgi_write(struct fcgi *f, const void *p, size_t n)
{
	if (n > INT32_MAX)
		return false;
	return FCGX_PutStr(p, (int)n, f->req.out) == (int)n;
}

void
fcgi_finish(struct fcgi *f)
{
	if (f->active) {
		FCGX_Finish_r(&f->req);
		f->active = false;
	}
}
