/* SPDX-License-Identifier: MIT */
/*
 * no-rseq PROGRAM ARGS - run PROGRAM with rseq(2) denied: a seccomp
 * filter makes every rseq system call fail with ENOSYS, as on a kernel
 * without rseq or in a sandbox that denies it.  The C library's own
 * registration then fails too.  Used by tests/run.sh for the "none" mode.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <rseqkit/abi.h>

#if defined(__x86_64__) && !defined(__ILP32__)
# define ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
# define ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
# define ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && defined(__ARMEB__)
# define ARCH AUDIT_ARCH_ARMEB
#elif defined(__arm__)
# define ARCH AUDIT_ARCH_ARM
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
# define ARCH AUDIT_ARCH_PPC64LE
#elif defined(__powerpc64__)
# define ARCH AUDIT_ARCH_PPC64
#elif defined(__powerpc__)
# define ARCH AUDIT_ARCH_PPC
#elif defined(__riscv) && __riscv_xlen == 64
# define ARCH AUDIT_ARCH_RISCV64
#elif defined(__s390x__)
# define ARCH AUDIT_ARCH_S390X
#elif defined(__mips__) && defined(__MIPSEL__) && _MIPS_SIM == _ABI64
# define ARCH AUDIT_ARCH_MIPSEL64
#elif defined(__mips__) && _MIPS_SIM == _ABI64
# define ARCH AUDIT_ARCH_MIPS64
#elif defined(__mips__) && defined(__MIPSEL__)
# define ARCH AUDIT_ARCH_MIPSEL
#elif defined(__mips__)
# define ARCH AUDIT_ARCH_MIPS
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no-rseq PROGRAM [ARGS...]\n");
		return 2;
	}
#if defined(ARCH) && defined(RSEQKIT_NR_rseq)
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RSEQKIT_NR_rseq, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("no-rseq: prctl(PR_SET_NO_NEW_PRIVS)");
		return 2;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("no-rseq: prctl(PR_SET_SECCOMP)");
		return 2;
	}
#else
	fprintf(stderr, "no-rseq: no seccomp filter for this architecture\n");
	return 2;
#endif
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-rseq: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
