/* SPDX-License-Identifier: MIT */
/*
 * examples/malloc_example.c - a program linked with rseqkit-malloc:
 *
 *     cc -O2 -pthread -o malloc_example malloc_example.c -lrseqkit-malloc
 *
 * Nothing in the source changes: malloc, free, realloc and friends are
 * rseqkit-malloc's because the program links librseqkit-malloc.so (before
 * the C library).  An unchanged binary gets the same with
 *
 *     LD_PRELOAD=/usr/local/lib/librseqkit-malloc.so ./program
 *
 * and RSEQKIT_MALLOC_STATS=1 prints the allocator's statistics at exit.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 10000

static char *items[4][N];

/* Each thread allocates strings; the next one frees them. */
static void *worker(void *arg)
{
	int id = (int)(long)arg;

	for (int i = 0; i < N; i++) {
		items[id][i] = malloc(16 + (size_t)(i % 200));
		if (!items[id][i])
			return (void *)1;
		snprintf(items[id][i], 16, "%d:%d", id, i);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	char info[512] = "";
	FILE *f;
	long bad = 0;

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(t[i], &r);
		bad += r != NULL;
	}
	for (int id = 0; id < 4; id++) {
		for (int i = 0; i < N; i++) {
			char want[16];

			snprintf(want, sizeof(want), "%d:%d", id, i);
			bad += strcmp(items[id][i], want) != 0;
			free(items[id][i]);
		}
	}
	/* Which allocator is this?  rseqkit-malloc's malloc_info says. */
	f = fmemopen(info, sizeof(info) - 1, "w");
	if (f) {
		malloc_info(0, f);
		fclose(f);
	}
	printf("%d objects from 4 threads, %ld bad; allocator: %s\n", 4 * N, bad,
	       strstr(info, "rseqkit") ? "rseqkit-malloc" : "another malloc");
	return bad ? 1 : 0;
}
