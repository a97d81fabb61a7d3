/* SPDX-License-Identifier: MIT */
/*
 * src/ringbuf.c - ring buffer channels: attributes, the memory layout,
 * create / open / destroy, accessors, statistics, futex and signal
 * helpers.  Writers: src/ringbuf_write.c; consumer: src/ringbuf_read.c;
 * flushes and the flush service: src/ringbuf_flush.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "ringbuf-internal.h"

/* futex(2)'s operations (uapi values; not every C library ships <linux/futex.h>). */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_PRIVATE_FLAG	128
#endif

_Static_assert(offsetof(struct rseq_percpu_slot, word) == 0, "woff is the slot's word");
_Static_assert(sizeof(struct rseq_percpu_slot) == RSEQ_RINGBUF_SLOT_LAST_TS * sizeof(intptr_t),
	       "the last timestamp follows the claim slot");
_Static_assert(sizeof(struct rseq_ringbuf_subbuf_header) == 40, "sub-buffer header");
_Static_assert(sizeof(struct rseq_ringbuf_record_header) == 8, "record header");
_Static_assert(sizeof(struct rb_shm) <= 4096, "page 0");

#define WORD_BITS	((unsigned int)(8 * sizeof(intptr_t)))

/* ---- attributes ---- */

RSEQKIT_EXPORT struct rseq_ringbuf_attr *rseq_ringbuf_attr_create(void)
{
	struct rseq_ringbuf_attr *a = rseqkit_icalloc(1, sizeof(*a));

	if (!a) {
		rseqkit_fail(ENOMEM, "out of memory for a ring buffer attribute object");
		return NULL;
	}
	a->sb_size = RB_DEF_SUBBUF;
	a->nr_sb = RB_DEF_NR;
	return a;
}

RSEQKIT_EXPORT void rseq_ringbuf_attr_destroy(struct rseq_ringbuf_attr *attr)
{
	rseqkit_ifree(attr);
}

static bool is_pow2(size_t v)
{
	return v && !(v & (v - 1));
}

static unsigned int log2_of(size_t v)
{
	unsigned int n = 0;

	while (((size_t)1 << n) < v)
		n++;
	return n;
}

/* The largest bytes per CPU buffer: positions and the commit counters'
 * modulus need B <= 2^(word bits - 3). */
static size_t max_buffer_bytes(void)
{
	return (size_t)1 << (WORD_BITS - 3);
}

static int check_subbuf(size_t size, size_t count)
{
	if (!is_pow2(size) || size < RB_MIN_SUBBUF || size > ((size_t)1 << 31))
		return rseqkit_fail(EINVAL, "the sub-buffer size must be a power of two from 4096 bytes to 2 GiB");
	if (!is_pow2(count) || count < 2 || count > RB_MAX_SUBBUFS)
		return rseqkit_fail(EINVAL, "the sub-buffer count must be a power of two from 2 to 4096");
	if (size > max_buffer_bytes() / count)
		return rseqkit_fail(EINVAL, "sub-buffer size x count is too large for this word size (at most 2^(bits-3) bytes per CPU)");
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_attr_set_subbuf(struct rseq_ringbuf_attr *attr,
						size_t size, size_t count)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "attr is NULL");
	if (check_subbuf(size, count))
		return -1;
	attr->sb_size = size;
	attr->nr_sb = count;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_attr_set_mode(struct rseq_ringbuf_attr *attr,
					      enum rseq_ringbuf_mode mode)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "attr is NULL");
	if (mode != RSEQ_RINGBUF_DISCARD && mode != RSEQ_RINGBUF_OVERWRITE)
		return rseqkit_fail(EINVAL, "mode must be RSEQ_RINGBUF_DISCARD or RSEQ_RINGBUF_OVERWRITE");
	attr->mode = mode;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_attr_set_clock(struct rseq_ringbuf_attr *attr,
					       enum rseq_ringbuf_clock clock)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "attr is NULL");
	if (clock != RSEQ_RINGBUF_CLOCK_NONE && clock != RSEQ_RINGBUF_CLOCK_MONOTONIC &&
	    clock != RSEQ_RINGBUF_CLOCK_COUNTER)
		return rseqkit_fail(EINVAL, "clock must be RSEQ_RINGBUF_CLOCK_NONE, _MONOTONIC or _COUNTER");
	attr->clock = clock;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_attr_set_shared(struct rseq_ringbuf_attr *attr, bool shared)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "attr is NULL");
	attr->shared = shared;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_attr_set_populate(struct rseq_ringbuf_attr *attr, bool populate)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "attr is NULL");
	attr->populate = populate;
	return 0;
}

RSEQKIT_EXPORT int rseq_ringbuf_attr_set_wakeup(struct rseq_ringbuf_attr *attr,
						enum rseq_ringbuf_wakeup wakeup)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "attr is NULL");
	if (wakeup != RSEQ_RINGBUF_WAKEUP_FUTEX && wakeup != RSEQ_RINGBUF_WAKEUP_EVENTFD)
		return rseqkit_fail(EINVAL, "wakeup must be RSEQ_RINGBUF_WAKEUP_FUTEX or _EVENTFD");
	attr->wakeup = wakeup;
	return 0;
}

/* ---- layout ---- */

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Every offset and size of the mapping, from the channel's parameters
 * (create and open compute it the same way; open compares). 0, or -1. */
static int layout(struct rb_shm *l, size_t sb_size, size_t nr_sb, size_t nr_cpus,
		  size_t page)
{
	size_t w = sizeof(intptr_t), ctl, data, total;

	l->sb_size = sb_size;
	l->nr_sb = nr_sb;
	l->nr_cpus = nr_cpus;
	/*
	 * One line of RSEQ_RINGBUF_SB_CTL bytes per sub-buffer: its counters
	 * are read and written together (a commit adds to one and reads
	 * both), and a consumer checking another sub-buffer does not take
	 * the writers' line.
	 */
	l->off_commit = round_up(sizeof(struct rb_ctl), RB_LINE);
	l->off_records = l->off_commit + w;
	l->off_commit_atomic = l->off_commit + 2 * w;
	l->off_records_atomic = l->off_commit + 3 * w;
	l->off_records_base = l->off_commit + 4 * w;
	l->off_end = l->off_commit + 5 * w;
	ctl = round_up((size_t)l->off_commit + nr_sb * RSEQ_RINGBUF_SB_CTL, RB_LINE);
	data = round_up(sb_size * nr_sb, page);
	l->ctl_offset = page;
	l->ctl_stride = ctl;
	if (nr_cpus > (SIZE_MAX - page) / (ctl + data))
		return rseqkit_fail(ENOMEM, "the buffers of every possible CPU do not fit in the address space: use smaller or fewer sub-buffers");
	l->data_offset = round_up(page + nr_cpus * ctl, page);
	l->data_stride = data;
	total = (size_t)l->data_offset + nr_cpus * data;
	if (total < (size_t)l->data_offset)
		return rseqkit_fail(ENOMEM, "the buffers of every possible CPU do not fit in the address space: use smaller or fewer sub-buffers");
	l->map_size = total;
	return 0;
}

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

/* Fill the fast-path view of rb from the layout in shm and the mapping. */
static void set_view(struct rseq_ringbuf *rb, struct rb_shm *shm, char *map)
{
	rb->ctl = map + shm->ctl_offset;
	rb->ctl_stride = (size_t)shm->ctl_stride;
	rb->data = map + shm->data_offset;
	rb->data_stride = (size_t)shm->data_stride;
	rb->sb_size = (uintptr_t)shm->sb_size;
	rb->sb_shift = log2_of((size_t)shm->sb_size);
	rb->buf_shift = rb->sb_shift + log2_of((size_t)shm->nr_sb);
	rb->buf_mask = ((uintptr_t)1 << rb->buf_shift) - 1;
	rb->nsb_mask = (uintptr_t)shm->nr_sb - 1;
	rb->cnt_mask = ((uintptr_t)1 << (WORD_BITS - 1 - log2_of((size_t)shm->nr_sb))) - 1;
	rb->clock = (int)shm->clock;
	rb->overwrite = shm->mode == RSEQ_RINGBUF_OVERWRITE;
	rb->rec_hdr = (unsigned int)(sizeof(struct rseq_ringbuf_record_header) +
				     (rb->clock ? sizeof(uint64_t) : 0));
	rb->max_len = (unsigned int)(rb->sb_size - RSEQ_RINGBUF_SUBBUF_HDR - rb->rec_hdr);
	rb->off_commit = (size_t)shm->off_commit;
	rb->off_commit_atomic = (size_t)shm->off_commit_atomic;
	rb->off_records = (size_t)shm->off_records;
}

/*
 * For the tests: RSEQKIT_RINGBUF_TEST_WRAP=n starts every CPU's buffer n
 * laps before the positions wrap around to 0, so that a test reaches the
 * wrap quickly (2^31 bytes per CPU on 32-bit targets, 2^63 on 64-bit).
 */
static void test_start(struct rseq_ringbuf *rb)
{
	const char *e = getenv("RSEQKIT_RINGBUF_TEST_WRAP");
	uintptr_t b = rb->buf_mask + 1, laps, p, base;

	if (!e || !*e)
		return;
	laps = (uintptr_t)strtoul(e, NULL, 10);
	if (laps < 1 || laps > RSEQ_RINGBUF_POS_MASK / b)
		return;
	p = rb_pos((uintptr_t)0 - laps * b);
	base = rb_lap_base(rb, p);
	for (int cpu = 0; cpu < rb->b.nr; cpu++) {
		*(intptr_t *)rseq_percpu_slot_of(&rb->b, cpu) = (intptr_t)p;
		rb_ctl(rb, cpu)->consumed = (intptr_t)p;
		for (uintptr_t k = 0; k <= rb->nsb_mask; k++)
			*rb_arr(rb, cpu, rb->off_commit, k) = (intptr_t)base;
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void priv_free(struct rb_priv *p)
{
	if (!p)
		return;
	if (p->map)
		munmap(p->map, p->map_len);
	if (p->memfd >= 0)
		close(p->memfd);
	if (p->efd >= 0)
		close(p->efd);
	rseqkit_ifree(p->readers);
	pthread_mutex_destroy(&p->service_lock);
	rseqkit_ifree(p);
}

static struct rb_priv *priv_alloc(void)
{
	struct rb_priv *p = rseqkit_ialloc_aligned(_Alignof(struct rb_priv), sizeof(*p));

	if (!p)
		return NULL;
	p->memfd = -1;
	p->efd = -1;
	pthread_mutex_init(&p->service_lock, NULL);
	return p;
}

static int readers_alloc(struct rseq_ringbuf *rb, size_t nr)
{
	struct rb_priv *p = rb_priv(rb);

	p->readers = rseqkit_icalloc(nr, sizeof(*p->readers));
	if (!p->readers)
		return rseqkit_fail(ENOMEM, "out of memory for the consumer's per-CPU state");
	return 0;
}

/* Map 'len' bytes: a memfd's when fd >= 0, else private anonymous;
 * every page allocated now with 'populate'. */
static void *map_region(size_t len, int fd, bool populate)
{
	int pop = populate ? MAP_POPULATE : 0;
	void *m;

	if (fd >= 0)
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | pop, fd, 0);
	else
		m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | (populate ? pop : MAP_NORESERVE), -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

static int create_memfd(size_t len)
{
#ifdef SYS_memfd_create
	int fd = (int)syscall(SYS_memfd_create, "rseqkit-ringbuf", 1u /* MFD_CLOEXEC */);

	if (fd < 0)
		return rseqkit_fail(errno, "memfd_create() failed: shared ring buffers need Linux 3.17");
	if (ftruncate(fd, (off_t)len)) {
		int e = errno;

		close(fd);
		return rseqkit_fail(e, "ftruncate() of the ring buffer's memfd failed");
	}
	return fd;
#else
	(void)len;
	return rseqkit_fail(ENOSYS, "memfd_create() is not available on this system: use a private channel");
#endif
}

RSEQKIT_EXPORT struct rseq_ringbuf *rseq_ringbuf_create(const struct rseq_ringbuf_attr *attr)
{
	struct rseq_ringbuf_attr def = { RB_DEF_SUBBUF, RB_DEF_NR, RSEQ_RINGBUF_DISCARD,
					 RSEQ_RINGBUF_CLOCK_NONE, RSEQ_RINGBUF_WAKEUP_FUTEX, false,
					 false };
	const struct rseq_ringbuf_attr *a = attr ? attr : &def;
	struct rseq_ringbuf *rb;
	struct rb_priv *p;
	struct rb_shm l;
	size_t page = page_size();

	if (check_subbuf(a->sb_size, a->nr_sb))
		return NULL;
	rb = rseqkit_icalloc(1, sizeof(*rb));
	p = priv_alloc();
	if (!rb || !p) {
		rseqkit_ifree(rb);
		priv_free(p);
		rseqkit_fail(ENOMEM, "out of memory for a ring buffer");
		return NULL;
	}
	rb->priv = p;
	p->owner = 1;
	/* The write positions: one claim slot per possible CPU. */
	if (rseq_percpu_base_init(&rb->b, NULL,
				  (RSEQ_RINGBUF_SLOT_LAST_TS + 1) * sizeof(intptr_t), "ringbuf"))
		goto fail;
	memset(&l, 0, sizeof(l));
	if (layout(&l, a->sb_size, a->nr_sb, (size_t)rb->b.nr, page))
		goto fail;
	if (a->shared) {
		p->memfd = create_memfd((size_t)l.map_size);
		if (p->memfd < 0)
			goto fail;
	}
	p->map_len = (size_t)l.map_size;
	p->map = map_region(p->map_len, p->memfd, a->populate);
	if (!p->map) {
		rseqkit_fail(ENOMEM, "mmap() of the ring buffers failed: use smaller or fewer sub-buffers");
		goto fail;
	}
	if (a->wakeup == RSEQ_RINGBUF_WAKEUP_EVENTFD) {
		p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->efd < 0) {
			rseqkit_fail(errno, "eventfd() failed");
			goto fail;
		}
	}
	p->shm = p->map;
	memcpy(l.magic, RB_MAGIC, sizeof(l.magic));
	l.version = RB_VERSION;
	l.word_bits = WORD_BITS;
	l.mode = a->mode;
	l.clock = a->clock;
#ifndef RSEQ_ARCH_HAS_COUNTER
	if (l.clock == RSEQ_RINGBUF_CLOCK_COUNTER)
		l.clock = RSEQ_RINGBUF_CLOCK_MONOTONIC;	/* documented fallback */
#endif
	if (l.clock == RSEQ_RINGBUF_CLOCK_COUNTER) {
		l.calib_counter = rseq_ringbuf_clock_read(RSEQ_RINGBUF_CLOCK_COUNTER);
		l.calib_ns = mono_ns();
	}
	l.futex_shared = a->shared;
	memcpy(p->shm, &l, sizeof(l));
	p->lay = l;
	set_view(rb, &p->lay, p->map);
	if (readers_alloc(rb, (size_t)rb->b.nr))
		goto fail;
	test_start(rb);
	return rb;
fail:
	rseq_percpu_base_fini(&rb->b);
	priv_free(p);
	rseqkit_ifree(rb);
	return NULL;
}

/* Check page 0 of a channel another process made; 0 or -1. */
static int check_shm(const struct rb_shm *s, size_t file_size, size_t page)
{
	struct rb_shm l;

	if (memcmp(s->magic, RB_MAGIC, sizeof(s->magic)) || s->version != RB_VERSION)
		return rseqkit_fail(EINVAL, "the file descriptor is not an rseqkit ring buffer of this version");
	if (s->word_bits != WORD_BITS)
		return rseqkit_fail(EINVAL, "the ring buffer was made by a program of another word size (32/64-bit): consume it with a program of the same kind");
	if (s->sb_size > SIZE_MAX || s->nr_sb > SIZE_MAX ||
	    check_subbuf((size_t)s->sb_size, (size_t)s->nr_sb))
		return rseqkit_fail(EINVAL, "the ring buffer's header is corrupt (sub-buffer geometry)");
	if (s->nr_cpus < 1 || s->nr_cpus > RB_MAX_CPUS || s->mode > RSEQ_RINGBUF_OVERWRITE ||
	    s->clock > RSEQ_RINGBUF_CLOCK_COUNTER)
		return rseqkit_fail(EINVAL, "the ring buffer's header is corrupt (CPUs, mode or clock)");
	memset(&l, 0, sizeof(l));
	if (layout(&l, (size_t)s->sb_size, (size_t)s->nr_sb, (size_t)s->nr_cpus, page))
		return -1;
	if (l.ctl_offset != s->ctl_offset || l.ctl_stride != s->ctl_stride ||
	    l.data_offset != s->data_offset || l.data_stride != s->data_stride ||
	    l.map_size != s->map_size || l.off_commit != s->off_commit ||
	    l.off_commit_atomic != s->off_commit_atomic || l.off_records != s->off_records ||
	    l.off_records_atomic != s->off_records_atomic ||
	    l.off_records_base != s->off_records_base || l.off_end != s->off_end)
		return rseqkit_fail(EINVAL, "the ring buffer's header is corrupt (layout), or was made with another page size");
	if (file_size < (size_t)s->map_size)
		return rseqkit_fail(EINVAL, "the ring buffer's file is shorter than its header says");
	return 0;
}

RSEQKIT_EXPORT struct rseq_ringbuf *rseq_ringbuf_open(int fd)
{
	struct rseq_ringbuf *rb = NULL;
	struct rb_priv *p = NULL;
	struct rb_shm head;
	struct stat st;
	size_t page = page_size();

	if (fd < 0) {
		rseqkit_fail(EBADF, "fd is not a file descriptor");
		return NULL;
	}
	if (fstat(fd, &st)) {
		rseqkit_fail(errno, "fstat() of the ring buffer's file descriptor failed");
		return NULL;
	}
	if (st.st_size < (off_t)sizeof(head) ||
	    pread(fd, &head, sizeof(head), 0) != (ssize_t)sizeof(head)) {
		rseqkit_fail(EINVAL, "the file descriptor is not an rseqkit ring buffer (too short or unreadable)");
		return NULL;
	}
	if (check_shm(&head, (size_t)st.st_size, page))
		return NULL;
	rb = rseqkit_icalloc(1, sizeof(*rb));
	p = priv_alloc();
	if (!rb || !p) {
		rseqkit_fail(ENOMEM, "out of memory for a ring buffer view");
		goto fail;
	}
	rb->priv = p;
	p->map_len = (size_t)head.map_size;
	p->map = map_region(p->map_len, fd, false);
	if (!p->map) {
		rseqkit_fail(errno == ENOMEM ? ENOMEM : EINVAL, "mmap() of the ring buffer's file descriptor failed (it must be open read-write)");
		goto fail;
	}
	p->shm = p->map;
	/* The header could change under us: use the copy we checked. */
	p->lay = head;
	p->lay.futex_shared = 1;
	set_view(rb, &p->lay, p->map);
	if (readers_alloc(rb, (size_t)head.nr_cpus))
		goto fail;
	return rb;
fail:
	priv_free(p);
	rseqkit_ifree(rb);
	return NULL;
}

RSEQKIT_EXPORT void rseq_ringbuf_destroy(struct rseq_ringbuf *rb)
{
	if (!rb)
		return;
	rb_service_stop(rb);
	rb_readers_free(rb);
	if (rb_priv(rb)->owner)
		rseq_percpu_base_fini(&rb->b);
	priv_free(rb_priv(rb));
	rseqkit_ifree(rb);
}

RSEQKIT_EXPORT int rseq_ringbuf_fd(const struct rseq_ringbuf *rb)
{
	if (!rb || rb_priv(rb)->memfd < 0)
		return rseqkit_fail(EINVAL, "the channel is not shared: create it with rseq_ringbuf_attr_set_shared(attr, true)");
	return rb_priv(rb)->memfd;
}

RSEQKIT_EXPORT int rseq_ringbuf_wakeup_fd(const struct rseq_ringbuf *rb)
{
	if (!rb || rb_priv(rb)->efd < 0)
		return rseqkit_fail(EINVAL, "the channel has no eventfd: create it with RSEQ_RINGBUF_WAKEUP_EVENTFD");
	return rb_priv(rb)->efd;
}

RSEQKIT_EXPORT int rseq_ringbuf_nr_cpus(const struct rseq_ringbuf *rb)
{
	if (!rb)
		return rseqkit_fail(EINVAL, "rb is NULL");
	return (int)rb_priv(rb)->lay.nr_cpus;
}

RSEQKIT_EXPORT size_t rseq_ringbuf_max_payload(const struct rseq_ringbuf *rb)
{
	return rb ? rb->max_len : 0;
}

static uint64_t word(const intptr_t *p)
{
	return (uint64_t)(uintptr_t)__atomic_load_n(p, __ATOMIC_RELAXED);
}

RSEQKIT_EXPORT int rseq_ringbuf_get_stats(struct rseq_ringbuf *rb, int cpu,
					  struct rseq_ringbuf_stats *st)
{
	int nr, lo, hi;

	if (!rb || !st)
		return rseqkit_fail(EINVAL, "rb and stats must not be NULL");
	nr = rseq_ringbuf_nr_cpus(rb);
	if (cpu < -1 || cpu >= nr)
		return rseqkit_fail(EINVAL, "cpu must be -1 or below rseq_ringbuf_nr_cpus()");
	lo = cpu < 0 ? 0 : cpu;
	hi = cpu < 0 ? nr : cpu + 1;
	memset(st, 0, sizeof(*st));
	for (int c = lo; c < hi; c++) {
		struct rb_ctl *x = rb_ctl(rb, c);

		/* Each total is a sum of words that only grow: wrapping sums
		 * of the same width are exact. */
		st->dropped_full += (uint64_t)(uintptr_t)(word(&x->drops_full_local) + word(&x->drops_full_atomic));
		st->dropped_busy += (uint64_t)(uintptr_t)(word(&x->drops_busy_local) + word(&x->drops_busy_atomic));
		st->overwritten += word(&x->overwritten);
		st->overwritten_subbufs += word(&x->overwritten_subbufs);
		st->flushes += word(&x->flushes);
		st->delivered_subbufs += rb_priv(rb)->readers[c].delivered;
	}
	return 0;
}

RSEQKIT_EXPORT uint64_t rseq_ringbuf_ts_to_ns(struct rseq_ringbuf *rb, uint64_t ts)
{
	struct rb_shm *s;
	uint64_t c1, n1;
	double rate;

	if (!rb || rb->clock != RSEQ_RINGBUF_CLOCK_COUNTER)
		return ts;
	s = &rb_priv(rb)->lay;
	n1 = mono_ns();
	if (n1 - s->calib_ns < 1000000) {	/* measure the rate over 1 ms at least */
		struct timespec d = { 0, (long)(1000000 - (n1 - s->calib_ns)) };

		nanosleep(&d, NULL);
	}
	c1 = rseq_ringbuf_clock_read(RSEQ_RINGBUF_CLOCK_COUNTER);
	n1 = mono_ns();
	if (c1 == s->calib_counter)
		return s->calib_ns;
	rate = (double)(n1 - s->calib_ns) / (double)(c1 - s->calib_counter);
	if (ts >= s->calib_counter)
		return s->calib_ns + (uint64_t)((double)(ts - s->calib_counter) * rate);
	return s->calib_ns - (uint64_t)((double)(s->calib_counter - ts) * rate);
}

/* ---- helpers of the other files ---- */

static int futex_op(const struct rseq_ringbuf *rb, int op)
{
	return rb_priv(rb)->lay.futex_shared ? op : (op | FUTEX_PRIVATE_FLAG);
}

int rb_futex_wait(const struct rseq_ringbuf *rb, uint32_t *word, uint32_t val,
		  int timeout_ms)
{
	struct timespec ts, *tp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	return (int)syscall(SYS_futex, word, futex_op(rb, FUTEX_WAIT), val, tp, NULL, 0);
}

void rb_futex_wake(const struct rseq_ringbuf *rb, uint32_t *word)
{
	syscall(SYS_futex, word, futex_op(rb, FUTEX_WAKE), INT_MAX, NULL, NULL, 0);
}

void rb_signals_block(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

void rb_signals_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}
