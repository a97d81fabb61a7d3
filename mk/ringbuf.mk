# mk/ringbuf.mk - per-CPU ring buffers (issue 13): rseqkit/ringbuf.h,
# src/ringbuf*.c, their tests, the benchmark against a compare-and-swap
# ring buffer, a mutex-protected one and LTTng-UST, and the event recorder
# example.  docs/ringbuf.md.
#
#   ringbuf_test     the API in one thread (+ claim path, atomic mode)
#   ringbuf_stress   3 x CPUs writers: preemption, migration, signals that
#                    write, injected delays; exact counts in both modes
#   ringbuf_ipc      a consumer in another process (the memfd), the flush
#                    service
TESTS += ringbuf_test
TESTS += ringbuf_stress
$(BUILD)/tests/param_test $(BUILD)/tests/ringbuf_stress: tests/inject-asm.h
TESTS += ringbuf_ipc
