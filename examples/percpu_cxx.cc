// SPDX-License-Identifier: MIT
// percpu_cxx - the per-CPU structures from C++: RAII owners, std::thread.
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>
#include <rseqkit/percpu/percpu.h>

namespace {

// Each structure owned by a unique_ptr that destroys it.
struct counter_deleter {
	void operator()(rseq_percpu_counter *c) const { rseq_percpu_counter_destroy(c); }
};
struct cache_deleter {
	void operator()(rseq_percpu_cache *c) const { rseq_percpu_cache_destroy(c); }
};
using counter_ptr = std::unique_ptr<rseq_percpu_counter, counter_deleter>;
using cache_ptr = std::unique_ptr<rseq_percpu_cache, cache_deleter>;

struct request {
	int id;
	char payload[52];
};

// Objects of type T from a per-CPU object cache (T is trivial here).
template <typename T> class object_pool {
public:
	object_pool() : cache_(rseq_percpu_cache_create(sizeof(T), nullptr)) {}
	bool ok() const { return cache_ != nullptr; }
	T *get() { return static_cast<T *>(rseq_percpu_cache_alloc(cache_.get())); }
	void put(T *p) { rseq_percpu_cache_free(cache_.get(), p); }
	rseq_percpu_cache *raw() const { return cache_.get(); }

private:
	cache_ptr cache_;
};

} // namespace

int main()
{
	counter_ptr served(rseq_percpu_counter_create(nullptr));
	object_pool<request> requests;
	std::vector<std::thread> threads;

	if (!served || !requests.ok()) {
		std::fprintf(stderr, "create: %s\n", rseq_error_reason());
		return 1;
	}
	for (int t = 0; t < 4; t++)
		threads.emplace_back([&served, &requests, t] {
			rseq_register_current_thread();
			for (int i = 0; i < 10000; i++) {
				request *r = requests.get();	// one critical section
				if (!r)
					return;
				r->id = t * 10000 + i;
				rseq_percpu_counter_inc(served.get());
				requests.put(r);
			}
		});
	for (auto &th : threads)
		th.join();

	rseq_percpu_cache_stats st;
	rseq_percpu_cache_get_stats(requests.raw(), &st);
	std::printf("%ld requests served; %zu objects of %zu bytes made, %zu cached\n",
		    static_cast<long>(rseq_percpu_counter_sum(served.get())), st.total,
		    st.obj_size, st.cached);
	return 0;
}
