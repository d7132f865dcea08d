#include "core/deadline.h"

#include <time.h>

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
deadline_now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int64_t
deadline_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

bool
deadline_parse_msec(const char *s, size_t n, int64_t *ms)
{
	int64_t sec = 0, frac = 0;
	size_t i = 0, digits = 0, fd = 0;

	*ms = 0;
	/* 13 digits of seconds reach the year 318857: plenty, no overflow. */
	for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 13; i++, digits++)
		sec = sec * 10 + (s[i] - '0');
	if (digits == 0)
		return false;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && fd < 3;
		    i++, fd++)
			frac = frac * 10 + (s[i] - '0');
		if (fd == 0)
			return false;
		for (; fd < 3; fd++)
			frac *= 10;
	}
	if (i != n)
		return false;
	*ms = sec * 1000 + frac;
	return true;
}

int64_t
deadline_from_start(int64_t start_wall_ms, long budget_ms,
    int64_t now_wall_ms, int64_t now_mono_ms)
{
	int64_t waited = 0;

	if (start_wall_ms > 0 && start_wall_ms < now_wall_ms)
		waited = now_wall_ms - start_wall_ms;
	if (waited > budget_ms)
		waited = budget_ms;
	return now_mono_ms + budget_ms - waited;
}

int64_t
deadline_left_ms(int64_t at)
{
	if (at == 0)
		return INT32_MAX;
	return at - deadline_now_ms();
}
