/*
 * fcgi.h - the FastCGI transport, and the only user of libfcgi.
 *
 * The listening socket is fd 0, put there by spawn-fcgi or by systemd
 * (StandardInput=socket).  One request at a time per worker.  fcgi_accept
 * returns false once a shutdown was asked for (SIGTERM), after the
 * in-flight request was finished.
 */
#ifndef GROWVRD_FCGI_H
#define GROWVRD_FCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fcgi;

/* fcgi_open - initialise libfcgi on fd 0; NULL if fd 0 is no socket. */
struct fcgi *fcgi_open(void);

/*
 * fcgi_open_unix - a second listener of this process, on a unix socket
 * it binds at path (an old socket file there is replaced; mode 0666, the
 * directory decides who may connect).  For a helper thread: its
 * accept blocks (fcgi_accept_blocking) with the stop signals left as the
 * thread has them.  NULL, errno set, when the socket cannot be made.
 */
struct fcgi *fcgi_open_unix(const char *path);

/* fcgi_accept_blocking - the next request on an fcgi_open_unix
 * listener; false on error. */
bool fcgi_accept_blocking(struct fcgi *f);

/* fcgi_close - release.  NULL is a no-op. */
void fcgi_close(struct fcgi *f);

/* fcgi_request_shutdown - async-signal-safe: stop after this request. */
void fcgi_request_shutdown(void);

/* fcgi_shutting_down - a shutdown was asked for. */
bool fcgi_shutting_down(void);

/*
 * fcgi_set_idle - while fcgi_accept waits, call fn(ctx) every ms
 * milliseconds (with the stop signals blocked, as during a request).
 */
void fcgi_set_idle(struct fcgi *f, void (*fn)(void *), void *ctx, long ms);

/* fcgi_accept - wait for the next request; false on shutdown or error. */
bool fcgi_accept(struct fcgi *f);

/* fcgi_param - a FastCGI parameter of the current request, or NULL. */
const char *fcgi_param(struct fcgi *f, const char *name);

/* fcgi_read - read up to n body bytes; returns the count (0 at end). */
size_t fcgi_read(struct fcgi *f, char *p, size_t n);

/* fcgi_write - write n bytes of the response; false if the peer left. */
bool fcgi_write(struct fcgi *f, const void *p, size_t n);

/* fcgi_finish - complete the current request. */
void fcgi_finish(struct fcgi *f);

#endif
