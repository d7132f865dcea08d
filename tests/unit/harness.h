/*
 * harness.h - the unit tests' tiny harness.
 *
 * CASE(name) opens a case; CHECK(expr) records a failure with its line;
 * END_CASE() prints "ok - name" or "FAIL - name"; harness_done() prints
 * "N passed, N failed" and returns the exit status.
 */
#ifndef GROWVRD_HARNESS_H
#define GROWVRD_HARNESS_H

#include <stdio.h>
#include <string.h>

static int h_passed, h_failed, h_case_failed;
static const char *h_case;

#define CASE(name) do { h_case = (name); h_case_failed = 0; } while (0)
#define CHECK(expr) do { \
	if (!(expr)) { \
		if (!h_case_failed) \
			fprintf(stdout, "  %s:%d: %s\n", __FILE__, __LINE__, #expr); \
		h_case_failed = 1; \
	} \
} while (0)
#define CHECK_STR(a, b) do { \
	const char *h_a = (a), *h_b = (b); \
	if (h_a == NULL || h_b == NULL || strcmp(h_a, h_b) != 0) { \
		fprintf(stdout, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
		    h_a ? h_a : "(null)", h_b ? h_b : "(null)"); \
		h_case_failed = 1; \
	} \
} while (0)
#define END_CASE() do { \
	if (h_case_failed) { h_failed++; printf("FAIL - %s\n", h_case); } \
	else { h_passed++; printf("ok - %s\n", h_case); } \
} while (0)

static inline int
harness_done(void)
{
	printf("%d passed, %d failed\n", h_passed, h_failed);
	return h_failed ? 1 : 0;
}

#endif
