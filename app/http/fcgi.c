#include "http/fcgi.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcgiapp.h>

#include "core/xalloc.h"

struct fcgi {
	FCGX_Request req;
	bool         active;
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
	/* Fail the accept on EINTR so SIGTERM is noticed while idle. */
	if (FCGX_InitRequest(&f->req, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		free(f);
		return NULL;
	}
	return f;
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

bool
fcgi_accept(struct fcgi *f)
{
	while (!shutdown_asked) {
		if (FCGX_Accept_r(&f->req) == 0) {
			f->active = true;
			return true;
		}
		/* Interrupted or a broken connection: check the flag, retry. */
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
