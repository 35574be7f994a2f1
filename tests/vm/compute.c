// SPDX-License-Identifier: GPL-2.0
/*
 * compute SECONDS [THREADS]: burn CPU for that long, in THREADS threads
 * named compute_0 .. compute_N-1 (the "pressure tester" of the seeds, so
 * that each shows by name in the stats table); 1 thread by default.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/prctl.h>

#define MAX_THREADS 256

static double secs;

static void *burn(void *arg)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;
	char name[16];

	snprintf(name, sizeof(name), "compute_%d", (int)(long)arg);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 1, i;
	pthread_t th[MAX_THREADS];

	secs = argc > 1 ? atof(argv[1]) : 10;
	if (n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "compute: 1 to %d threads\n", MAX_THREADS);
		return 2;
	}
	for (i = 1; i < n; i++)
		if (pthread_create(&th[i], NULL, burn, (void *)(long)i)) {
			perror("compute: pthread_create");
			return 1;
		}
	burn((void *)0L);
	for (i = 1; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
