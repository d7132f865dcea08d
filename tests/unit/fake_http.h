/*
 * fake_http.h - a scripted HTTP/1.1 server for unit tests.
 *
 * fake_start() listens on 127.0.0.1 at an ephemeral port and serves from
 * one thread, one connection at a time, calling the test's handler for
 * every request; fake_stop() ends the thread and closes every socket,
 * so a test leaves no process, thread or descriptor behind.  Answers
 * carry Content-Length and keep the connection open, unless the handler
 * asks to hang (never answer until the client leaves), to drop the
 * connection, or to send a body without length.
 */
#ifndef GROWVRD_FAKE_HTTP_H
#define GROWVRD_FAKE_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FAKE_REQ_MAX  (128 * 1024)
#define FAKE_BODY_MAX 8192

struct fake_req {
	char   method[16];
	char   path[1024];
	char   head[16384];     /* header lines, "Name: value\r\n" each */
	char   body[FAKE_BODY_MAX + 1];
	size_t body_len;
};

struct fake_ans {
	int         status;     /* 0: close the connection, no answer */
	const char *body;       /* NULL: empty */
	size_t      filler;     /* then this many 'x' bytes */
	bool        hang;       /* never answer; wait for the client to go */
	bool        no_length;  /* no Content-Length: body ends at close */
	const char *extra;      /* more header lines, each ending "\r\n" */
	char        text[4096]; /* room for a body built by the handler */
};

struct fake;
typedef void (*fake_fn)(struct fake *f, int n, const struct fake_req *req,
    struct fake_ans *ans);

struct fake {
	int             lfd, stop[2], port;
	pthread_t       th;
	fake_fn         fn;
	void           *ctx;
	atomic_int      requests, conns;
	pthread_mutex_t mu;
	struct fake_req last;   /* the last request, under mu */
	char            url[64];
};

/*
 * fake_aws_env - the credential chain finds static test keys in the
 * environment, and nothing else (no container endpoint, no IMDS, no
 * session token): for tests that build a struct aws over a fake.
 */
static inline void
fake_aws_env(void)
{
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", 1);
	unsetenv("AWS_SESSION_TOKEN");
}

/* fake_header - value of header name in r, copied to out; false if none. */
static inline bool
fake_header(const struct fake_req *r, const char *name, char *out, size_t n)
{
	const char *p = r->head;
	size_t len = strlen(name);

	while (*p != '\0') {
		const char *eol = strstr(p, "\r\n");
		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > len && strncasecmp(p, name, len) == 0 &&
		    p[len] == ':') {
			const char *v = p + len + 1;
			size_t vl;
			while (*v == ' ')
				v++;
			vl = (size_t)(eol - v);
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return true;
		}
		p = eol + 2;
	}
	return false;
}

/* fake_last - a copy of the last request the server saw. */
static inline void
fake_last(struct fake *f, struct fake_req *out)
{
	pthread_mutex_lock(&f->mu);
	*out = f->last;
	pthread_mutex_unlock(&f->mu);
}

static inline bool
fake_send(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w, n -= (size_t)w;
	}
	return true;
}

/* Wait for fd or the stop pipe; 1 fd ready, 0 stop or timeout. */
static inline int
fake_wait(struct fake *f, int fd, int ms)
{
	struct pollfd pf[2] = { { fd, POLLIN, 0 }, { f->stop[0], POLLIN, 0 } };

	if (poll(pf, 2, ms) <= 0 || pf[1].revents != 0)
		return 0;
	return 1;
}

/* The first case-insensitive match of pat in [s, end), or NULL. */
static inline char *
fake_find_header(char *s, const char *end, const char *pat)
{
	size_t n = strlen(pat);

	for (; s + n <= end; s++)
		if (strncasecmp(s, pat, n) == 0)
			return s;
	return NULL;
}

/* Read one request from fd into r (buf keeps what follows it). */
static inline bool
fake_read(struct fake *f, int fd, char *buf, size_t *have, struct fake_req *r)
{
	char *end, *cl;
	size_t head_len, need = 0;
	ssize_t got;

	for (;;) {
		buf[*have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL) {
			head_len = (size_t)(end - buf) + 4;
			cl = fake_find_header(buf, end, "\r\nContent-Length:");
			need = cl != NULL && cl < end ?
			    (size_t)strtoul(cl + 17, NULL, 10) : 0;
			if (need <= FAKE_BODY_MAX && *have >= head_len + need)
				break;
		}
		if (*have >= FAKE_REQ_MAX - 1 || !fake_wait(f, fd, 10000))
			return false;
		got = recv(fd, buf + *have, FAKE_REQ_MAX - 1 - *have, 0);
		if (got <= 0)
			return false;
		*have += (size_t)got;
	}
	memset(r, 0, sizeof(*r));
	sscanf(buf, "%15s %1023s", r->method, r->path);
	{
		char *h = strstr(buf, "\r\n") + 2;
		size_t hl = (size_t)(end + 2 - h);
		if (hl >= sizeof(r->head))
			hl = sizeof(r->head) - 1;
		memcpy(r->head, h, hl);
	}
	memcpy(r->body, buf + head_len, need);
	r->body_len = need;
	memmove(buf, buf + head_len + need, *have - head_len - need);
	*have -= head_len + need;
	return true;
}

/* Answer per ans; false when the connection must close. */
static inline bool
fake_answer(struct fake *f, int fd, const struct fake_ans *a)
{
	char head[1024];
	size_t blen = a->body ? strlen(a->body) : 0, i;
	char chunk[4096];

	if (a->hang) {
		/* Until the client closes (its timeout) or the test stops. */
		while (fake_wait(f, fd, 10000) &&
		    recv(fd, chunk, sizeof(chunk), 0) > 0)
			;
		return false;
	}
	if (a->status == 0)
		return false;
	if (a->no_length)
		snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\n%s"
		    "Connection: close\r\n\r\n", a->status,
		    a->extra ? a->extra : "");
	else
		snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\n%s"
		    "Content-Length: %zu\r\n\r\n", a->status,
		    a->extra ? a->extra : "", blen + a->filler);
	if (!fake_send(fd, head, strlen(head)) ||
	    (blen > 0 && !fake_send(fd, a->body, blen)))
		return false;
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < a->filler; i += sizeof(chunk)) {
		size_t n = a->filler - i < sizeof(chunk) ? a->filler - i :
		    sizeof(chunk);
		if (!fake_send(fd, chunk, n))
			return false;
	}
	return !a->no_length;
}

static inline void
fake_serve(struct fake *f, int fd)
{
	char *buf = malloc(FAKE_REQ_MAX);
	struct fake_req *r = malloc(sizeof(*r));
	struct fake_ans *a = malloc(sizeof(*a));
	size_t have = 0;

	while (buf && r && a && fake_read(f, fd, buf, &have, r)) {
		int n = atomic_fetch_add(&f->requests, 1);
		pthread_mutex_lock(&f->mu);
		f->last = *r;
		pthread_mutex_unlock(&f->mu);
		memset(a, 0, sizeof(*a));
		a->status = 200;
		f->fn(f, n, r, a);
		if (!fake_answer(f, fd, a))
			break;
	}
	free(a);
	free(r);
	free(buf);
}

static inline void *
fake_main(void *arg)
{
	struct fake *f = arg;
	int fd, one = 1;

	while (fake_wait(f, f->lfd, -1)) {
		fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		atomic_fetch_add(&f->conns, 1);
		/* Head and body go in separate writes: no Nagle delay. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fake_serve(f, fd);
		close(fd);
	}
	return NULL;
}

/* fake_start - serve with fn (ctx for the handler); NULL on failure. */
static inline struct fake *
fake_start(fake_fn fn, void *ctx)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	if (f == NULL)
		return NULL;
	f->fn = fn;
	f->ctx = ctx;
	pthread_mutex_init(&f->mu, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(f->lfd, 16) || getsockname(f->lfd, (struct sockaddr *)&sa,
	    &sl) || pipe(f->stop)) {
		perror("fake_start");
		abort();
	}
	f->port = ntohs(sa.sin_port);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->port);
	if (pthread_create(&f->th, NULL, fake_main, f) != 0)
		abort();
	return f;
}

/* fake_stop - end the thread, close everything.  NULL is a no-op. */
static inline void
fake_stop(struct fake *f)
{
	if (f == NULL)
		return;
	if (write(f->stop[1], "x", 1) != 1)
		abort();
	pthread_join(f->th, NULL);
	close(f->lfd);
	close(f->stop[0]);
	close(f->stop[1]);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* fake_closed_port - a loopback port nobody listens on. */
static inline int
fake_closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl))
		abort();
	port = ntohs(sa.sin_port);
	close(fd);      /* bound, never listened: connections are refused */
	return port;
}

#endif
