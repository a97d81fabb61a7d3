/* SPDX-License-Identifier: MIT */
/*
 * rseq-inspect - list and validate the rseq critical sections of ELF files.
 *
 * Exit status: 0 no defect, 1 a defect was found, 2 a file could not be
 * read (or bad usage). See man/man1/rseq-inspect.1.
 */
#include "rseqelf.h"
#include "../tool-version.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rseq-inspect [--json] [--quiet] FILE...\n"
		"List the rseq critical sections of ELF files (__rseq_cs,\n"
		"__rseq_cs_ptr_array, __rseq_exit_point_array) and validate them.\n"
		"  --json     one JSON document on stdout\n"
		"  --quiet    print only files with defects or errors\n"
		"  --version  print the rseqkit release and exit\n"
		"Exit status: 0 clean, 1 defect found, 2 unreadable file or usage.\n");
}

/*
 * Reads one file into ri: mapped when it is a non-empty regular file,
 * refused otherwise.  O_NONBLOCK: opening a FIFO or a device must not
 * wait for a writer (a FIFO is refused right after).
 */
static void *load_file(const char *path, struct rinspect *ri, size_t *len)
{
	struct stat st;
	void *map = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	memset(ri, 0, sizeof(*ri));
	*len = 0;
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(ri->error, sizeof(ri->error), "%s", strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(ri->error, sizeof(ri->error), "not a regular file (%s)",
			 S_ISDIR(st.st_mode) ? "a directory" :
			 S_ISFIFO(st.st_mode) ? "a FIFO" :
			 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" :
			 S_ISSOCK(st.st_mode) ? "a socket" : "not a file");
	} else if (st.st_size == 0) {
		snprintf(ri->error, sizeof(ri->error), "empty file");
	} else if ((uint64_t)st.st_size > SIZE_MAX) {
		snprintf(ri->error, sizeof(ri->error), "too large to map");
	} else {
		*len = (size_t)st.st_size;
		map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			*len = 0;
			snprintf(ri->error, sizeof(ri->error), "mmap: %s", strerror(errno));
		} else {
			rinspect_buffer(ri, map, *len);
		}
	}
	if (fd >= 0)
		close(fd);
	return map;
}

int main(int argc, char **argv)
{
	int json = 0, quiet = 0, status = 0, nfiles = 0, argi;

	for (argi = 1; argi < argc; argi++) {
		const char *a = argv[argi];
		if (!strcmp(a, "--json"))
			json = 1;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			quiet = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			return tool_print_version("rseq-inspect");
		} else if (!strcmp(a, "--")) {
			argi++;
			break;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "rseq-inspect: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else
			break;
	}
	if (argi >= argc) {
		usage(stderr);
		return 2;
	}
	if (json)
		fputs("{\"files\": [\n", stdout);
	for (; argi < argc; argi++, nfiles++) {
		const char *path = argv[argi];
		struct rinspect ri;
		size_t len;
		void *map = load_file(path, &ri, &len);

		if (ri.error[0])
			status = 2;
		else if (ri.ndefects && status < 1)
			status = 1;
		if (json) {
			if (nfiles)
				fputs(",\n", stdout);
			rinspect_print_json(stdout, path, &ri);
		} else if (ri.error[0]) {
			rinspect_print_text(stderr, path, &ri, 1);
		} else if (!quiet || ri.ndefects) {
			rinspect_print_text(stdout, path, &ri, 1);
		}
		rinspect_free(&ri);
		if (map)
			munmap(map, len);
	}
	if (json)
		fputs("\n]}\n", stdout);
	return status;
}
