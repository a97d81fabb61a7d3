/* SPDX-License-Identifier: MIT */
/* percpu_cache - a fixed-size object allocator with per-CPU caches. */
#include <stdio.h>
#include <string.h>
#include <rseqkit/percpu/cache.h>

struct conn { int fd; char name[52]; };

int main(void)
{
	struct rseq_percpu_cache_attr *attr = rseq_percpu_cache_attr_create();
	struct rseq_percpu_cache *c;
	struct rseq_percpu_cache_stats st;
	struct conn *objs[1000];

	/* 128 objects per CPU, moved to and from the depot 32 at a time. */
	if (!attr || rseq_percpu_cache_attr_set_capacity(attr, 128) ||
	    rseq_percpu_cache_attr_set_batch(attr, 32))
		return 1;
	c = rseq_percpu_cache_create(sizeof(struct conn), attr);
	rseq_percpu_cache_attr_destroy(attr);	/* the cache keeps a copy */
	if (!c) {
		fprintf(stderr, "rseq_percpu_cache_create: %s\n", rseq_error_reason());
		return 1;
	}
	rseq_register_current_thread();
	for (int i = 0; i < 1000; i++) {
		objs[i] = (struct conn *)rseq_percpu_cache_alloc(c);	/* one critical section */
		if (!objs[i])
			return 1;
		objs[i]->fd = i;
		strcpy(objs[i]->name, "conn");
	}
	for (int i = 0; i < 1000; i++)
		rseq_percpu_cache_free(c, objs[i]);
	rseq_percpu_cache_get_stats(c, &st);
	printf("%zu objects of %zu bytes: %zu cached on %d CPUs, %zu in the depot\n",
	       st.total, st.obj_size, st.cached, st.nr_cpus, st.depot);
	rseq_percpu_cache_drain_all(c);		/* e.g. before a CPU goes idle */
	rseq_percpu_cache_destroy(c);
	return 0;
}
