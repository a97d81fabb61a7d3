/* SPDX-License-Identifier: MIT */
/*
 * tests/abi_common.c - helpers shared by the ABI conformance tests
 * (tests/abi_*.c).  Not a program: each test #includes it after
 * "harness.h" (mk/abi.mk makes the tests depend on it).
 *
 * What is here:
 *  - the running kernel's version (uname -r) and rseq auxv entries;
 *  - the raw rseq(2) system call and a probe that skips, with a reason,
 *    where rseq is absent or denied (modes none and valgrind);
 *  - abi_raw_mode(): make sure the calling thread has no registration,
 *    re-executing the program with GLIBC_TUNABLES=glibc.pthread.rseq=0
 *    when the C library registered it, so a test can register areas of
 *    its own with the raw system call;
 *  - one hand-written critical section per architecture (x86-64, i386,
 *    aarch64): abi_cs_spin() arms a descriptor built at run time and spins
 *    N iterations inside [abi_cs_start, abi_cs_end); it returns 0 when the
 *    loop ran to its end and 1 when the kernel moved it to abi_cs_abort,
 *    which the signature precedes.  Other architectures: ABI_HAVE_CS 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <rseqkit/abi.h>

/* ---------------------------------------------------------------- kernel */

static int abi_kmaj = -1, abi_kmin, abi_kpatch;
static char abi_krelease[128];

static void abi_kernel_version(void)
{
	struct utsname u;

	if (abi_kmaj >= 0)
		return;
	abi_kmaj = 0;
	if (uname(&u) == 0) {
		snprintf(abi_krelease, sizeof(abi_krelease), "%s", u.release);
		if (sscanf(u.release, "%d.%d.%d", &abi_kmaj, &abi_kmin, &abi_kpatch) < 2)
			abi_kmaj = 0;
	}
}

/* True when the running kernel is at least maj.min (uname -r). */
__attribute__((unused))
static int abi_kernel_at_least(int maj, int min)
{
	abi_kernel_version();
	return abi_kmaj > maj || (abi_kmaj == maj && abi_kmin >= min);
}

__attribute__((unused))
static const char *abi_release(void)
{
	abi_kernel_version();
	return abi_krelease;
}

/* AT_RSEQ_FEATURE_SIZE / AT_RSEQ_ALIGN (Linux 6.3; 0 before). */
__attribute__((unused))
static unsigned long abi_auxv_feature_size(void)
{
	return getauxval(RSEQKIT_AT_RSEQ_FEATURE_SIZE);
}

__attribute__((unused))
static unsigned long abi_auxv_align(void)
{
	return getauxval(RSEQKIT_AT_RSEQ_ALIGN);
}

/* ------------------------------------------------------------ signature */

#if defined(__x86_64__) || defined(__i386__)
# define ABI_SIG	RSEQKIT_SIG_X86
#elif defined(__aarch64__) && defined(__AARCH64EB__)
# define ABI_SIG	__builtin_bswap32(RSEQKIT_SIG_AARCH64)
#elif defined(__aarch64__)
# define ABI_SIG	RSEQKIT_SIG_AARCH64
#elif defined(__arm__) && defined(__ARMEB__)
# define ABI_SIG	RSEQKIT_SIG_ARM_BE8
#elif defined(__arm__)
# define ABI_SIG	RSEQKIT_SIG_ARM
#elif defined(__powerpc__)
# define ABI_SIG	RSEQKIT_SIG_PPC
#elif defined(__s390__)
# define ABI_SIG	RSEQKIT_SIG_S390
#elif defined(__riscv)
# define ABI_SIG	RSEQKIT_SIG_RISCV
#elif defined(__mips__)
# define ABI_SIG	RSEQKIT_SIG_MIPS
#elif defined(__loongarch__)
# define ABI_SIG	RSEQKIT_SIG_LOONGARCH
#else
# define ABI_SIG	0x12345678U	/* raw registration accepts any value */
#endif

/* --------------------------------------------------------- system calls */

static int abi_sys_rseq(volatile void *area, uint32_t len, int flags, uint32_t sig)
{
#ifdef RSEQKIT_NR_rseq
	return (int)syscall(RSEQKIT_NR_rseq, area, len, flags, sig);
#else
	(void)area; (void)len; (void)flags; (void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

/* The getcpu system call (never the rseq-backed sched_getcpu()). */
__attribute__((unused))
static int abi_getcpu(unsigned int *cpu, unsigned int *node)
{
	unsigned int c = 0, n = 0;

	if (syscall(SYS_getcpu, &c, &n, NULL) != 0)
		return -1;
	if (cpu)
		*cpu = c;
	if (node)
		*node = n;
	return 0;
}

__attribute__((unused))
static int abi_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The CPUs this process may run on, in ascending order; returns how many. */
__attribute__((unused))
static int abi_allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

/*
 * Skip (with the reason) unless rseq(2) is there: rseq(NULL, 0, 0, 0)
 * fails with EINVAL exactly when the kernel has rseq and nothing denies
 * it.  In the runner's none/valgrind modes rseq must be denied.
 */
__attribute__((unused))
static void abi_require_rseq(const char *what, const char *since)
{
	int r = abi_sys_rseq(NULL, 0, 0, 0), err = errno;

	if (test_expect_unavailable()) {
		CHECK_MSG(r == -1 && err != EINVAL,
			  "mode %s must deny rseq(2): probe gave %d errno %d", test_mode(), r, err);
		test_skip("%s (Linux %s): rseq(2) is denied in mode %s (probe errno %d, %s), nothing to check",
			  what, since, test_mode(), err, strerror(err));
	}
	if (r != -1 || err != EINVAL)
		test_skip("%s (Linux %s): kernel %s offers no rseq(2) to this process (probe errno %d, %s)",
			  what, since, abi_release(), err, strerror(err));
}

/* ----------------------------------------------- raw (library-free) mode */

/* Passed across abi_raw_mode()'s re-exec so no assertion is lost. */
#define ABI_REEXEC_ENV	"RSEQKIT_ABI_REEXEC"

static struct rseq_abi abi_probe_area __attribute__((aligned(64)));

/*
 * Leave the calling (main) thread with no rseq registration.  When the C
 * library registered it, re-exec the program with
 * GLIBC_TUNABLES=glibc.pthread.rseq=0 (counts so far travel in the
 * environment).  Call it from main() before starting threads.
 */
__attribute__((unused))
static void abi_raw_mode(char **argv)
{
	const char *carried = getenv(ABI_REEXEC_ENV);
	char buf[64];

	if (carried) {
		unsigned long p = 0, f = 0;

		if (sscanf(carried, "%lu,%lu", &p, &f) == 2) {
			test_passed += p;
			test_failed += f;
		}
		unsetenv(ABI_REEXEC_ENV);
	}
	if (abi_sys_rseq(&abi_probe_area, RSEQKIT_ABI_ORIG_ALLOC_SIZE, 0, ABI_SIG) == 0) {
		CHECK_EQ(abi_sys_rseq(&abi_probe_area, RSEQKIT_ABI_ORIG_ALLOC_SIZE,
				      RSEQ_ABI_FLAG_UNREGISTER, ABI_SIG), 0);
		return;
	}
	if (errno != EINVAL) {
		CHECK_MSG(0, "registering a valid area failed with errno %d (%s)", errno, strerror(errno));
		test_skip("cannot register a raw area");
	}
	if (carried)
		test_skip("the C library keeps this thread registered even with "
			  "GLIBC_TUNABLES=glibc.pthread.rseq=0: no raw registration possible");
	snprintf(buf, sizeof(buf), "%lu,%lu", test_passed, test_failed);
	setenv(ABI_REEXEC_ENV, buf, 1);
	setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
	printf("note: the C library registered this thread; re-executing with "
	       "GLIBC_TUNABLES=glibc.pthread.rseq=0 to test the raw ABI\n");
	fflush(stdout);
	fflush(stderr);
	execv("/proc/self/exe", argv);
	test_skip("cannot re-exec /proc/self/exe without the C library's registration: %s",
		  strerror(errno));
}

/*
 * Run fn(arg) in a forked child; returns the wait status.  The child
 * exits with fn's return value.
 */
__attribute__((unused))
static int abi_in_child(int (*fn)(void *), void *arg)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

__attribute__((unused))
static const char *abi_status_str(int status)
{
	static char s[64];

	if (WIFSIGNALED(status))
		snprintf(s, sizeof(s), "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(s, sizeof(s), "exit status %d", WEXITSTATUS(status));
	else
		snprintf(s, sizeof(s), "wait status 0x%x", status);
	return s;
}

/* ------------------------------------------- the spinning critical section */

#if defined(__x86_64__) && !defined(__ILP32__)
# define ABI_HAVE_CS 1
__asm__(
	".pushsection .text\n\t"
	".p2align 4\n\t"
	".globl abi_cs_spin\n\t"
	".hidden abi_cs_spin\n\t"
	".type abi_cs_spin, @function\n"
"abi_cs_spin:\n\t"			/* rdi area, rsi descriptor, rdx n */
	"movq %rsi, 8(%rdi)\n\t"		/* arm: area->rseq_cs = cs */
	".globl abi_cs_start\n\t"
	".hidden abi_cs_start\n"
"abi_cs_start:\n\t"
	"subq $1, %rdx\n\t"
	"jnz abi_cs_start\n\t"
	".globl abi_cs_end\n\t"
	".hidden abi_cs_end\n"
"abi_cs_end:\n\t"
	"xorl %eax, %eax\n\t"
	"ret\n\t"
	".byte 0x0f, 0xb9, 0x3d\n\t"		/* ud1 whose operand ... */
	".long 0x53053053\n\t"			/* ... is the signature */
	".globl abi_cs_abort\n\t"
	".hidden abi_cs_abort\n"
"abi_cs_abort:\n\t"
	"movl $1, %eax\n\t"
	"ret\n\t"
	".size abi_cs_spin, . - abi_cs_spin\n\t"
	".popsection\n");
#elif defined(__i386__)
# define ABI_HAVE_CS 1
__asm__(
	".pushsection .text\n\t"
	".p2align 4\n\t"
	".globl abi_cs_spin\n\t"
	".hidden abi_cs_spin\n\t"
	".type abi_cs_spin, @function\n"
"abi_cs_spin:\n\t"			/* cdecl: area, cs, n on the stack */
	"movl 4(%esp), %eax\n\t"
	"movl 8(%esp), %ecx\n\t"
	"movl 12(%esp), %edx\n\t"
	"movl $0, 12(%eax)\n\t"			/* high word of rseq_cs */
	"movl %ecx, 8(%eax)\n\t"		/* arm */
	".globl abi_cs_start\n\t"
	".hidden abi_cs_start\n"
"abi_cs_start:\n\t"
	"subl $1, %edx\n\t"
	"jnz abi_cs_start\n\t"
	".globl abi_cs_end\n\t"
	".hidden abi_cs_end\n"
"abi_cs_end:\n\t"
	"xorl %eax, %eax\n\t"
	"ret\n\t"
	".byte 0x0f, 0xb9, 0x3d\n\t"
	".long 0x53053053\n\t"
	".globl abi_cs_abort\n\t"
	".hidden abi_cs_abort\n"
"abi_cs_abort:\n\t"
	"movl $1, %eax\n\t"
	"ret\n\t"
	".size abi_cs_spin, . - abi_cs_spin\n\t"
	".popsection\n");
#elif defined(__aarch64__)
# define ABI_HAVE_CS 1
__asm__(
	".pushsection .text\n\t"
	".p2align 4\n\t"
	".globl abi_cs_spin\n\t"
	".hidden abi_cs_spin\n\t"
	".type abi_cs_spin, %function\n"
"abi_cs_spin:\n\t"			/* x0 area, x1 descriptor, x2 n */
	"str x1, [x0, #8]\n\t"
	".globl abi_cs_start\n\t"
	".hidden abi_cs_start\n"
"abi_cs_start:\n\t"
	"subs x2, x2, #1\n\t"
	"b.ne abi_cs_start\n\t"
	".globl abi_cs_end\n\t"
	".hidden abi_cs_end\n"
"abi_cs_end:\n\t"
	"mov w0, #0\n\t"
	"ret\n\t"
	".inst 0xd428bc00\n\t"			/* brk #0x45e0: the signature */
	".globl abi_cs_abort\n\t"
	".hidden abi_cs_abort\n"
"abi_cs_abort:\n\t"
	"mov w0, #1\n\t"
	"ret\n\t"
	".size abi_cs_spin, . - abi_cs_spin\n\t"
	".popsection\n");
#else
# define ABI_HAVE_CS 0
#endif

#if ABI_HAVE_CS
extern int abi_cs_spin(volatile struct rseq_abi *area, const struct rseq_abi_cs *cs,
		       unsigned long n) __attribute__((visibility("hidden")));
extern const char abi_cs_start[] __attribute__((visibility("hidden")));
extern const char abi_cs_end[] __attribute__((visibility("hidden")));
extern const char abi_cs_abort[] __attribute__((visibility("hidden")));

/* A valid descriptor for abi_cs_spin(). */
__attribute__((unused))
static void abi_cs_init(struct rseq_abi_cs *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->start_ip = (uintptr_t)abi_cs_start;
	cs->post_commit_offset = (uintptr_t)abi_cs_end - (uintptr_t)abi_cs_start;
	cs->abort_ip = (uintptr_t)abi_cs_abort;
}

/* True when a signal handler's interrupted pc is inside the section. */
__attribute__((unused))
static uintptr_t abi_ucontext_pc(void *ucv)
{
	ucontext_t *uc = ucv;
# if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
# elif defined(__i386__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_EIP];
# else
	return (uintptr_t)uc->uc_mcontext.pc;
# endif
}

#define ABI_CS_SKIP_REASON ""
#else
#define ABI_CS_SKIP_REASON \
	"no hand-written critical section for this architecture in tests/abi_common.c " \
	"(x86-64, i386 and aarch64 have one)"
#endif

/* A spin that lasts "forever" (until the kernel aborts it). */
#define ABI_SPIN_FOREVER	(~0UL >> 1)

/*
 * Whether the kernel's rseq debug checks are on (Linux 6.19+: boot
 * parameter rseq_debug=, or debugfs rseq/debug): 1 on, 0 off, -1 unknown.
 */
__attribute__((unused))
static int abi_rseq_debug(void)
{
	char buf[4096];
	int fd, n, v = -1;

	fd = open("/sys/kernel/debug/rseq/debug", O_RDONLY);
	if (fd >= 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0)
			return buf[0] == '1' || buf[0] == 'Y' || buf[0] == 'y';
	}
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			char *p;

			buf[n] = 0;
			p = strstr(buf, "rseq_debug=");
			if (p) {
				p += strlen("rseq_debug=");
				v = (*p == '1' || *p == 'y' || *p == 'Y' || !strncmp(p, "on", 2));
			}
		}
	}
	return v;
}
