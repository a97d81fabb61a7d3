/* percpu_cache - a fixed-size object allocator with per-CPU caches. */
#include <stdio.h>
#include <string.h>
#include <rseqkit/percpu/cache.h>

struct conn { int fd; char name[52]; };

int main(void)
{
	struct rseq_percpu_cache *c = rseq_percpu_cache_create(sizeof(struct conn), NULL);
	struct rseq_percpu_cache_stats st;
	struct conn *objs[1000];

	if (!c)
		return perror("rseq_percpu_cache_create"), 1;
	for (int i = 0; i < 1000; i++) {
		objs[i] = rseq_percpu_cache_alloc(c);	/* one critical section */
		objs[i]->fd = i;
		strcpy(objs[i]->name, "conn");
	}
	for (int i = 0; i < 1000; i++)
		rseq_percpu_cache_free(c, objs[i]);
	rseq_percpu_cache_get_stats(c, &st);
	printf("%zu objects: %zu cached per CPU, %zu in the depot\n", st.total, st.cached, st.depot);
	rseq_percpu_cache_drain_all(c);		/* e.g. before a CPU goes idle */
	rseq_percpu_cache_destroy(c);
	return 0;
}
