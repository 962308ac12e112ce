// SPDX-License-Identifier: MIT
/*
 * Replays a fuzz target's corpus without libFuzzer, so that every build (gcc
 * too, sanitizers or not) runs it as a test: each file in the directory
 * given as argv[1] goes through LLVMFuzzerTestOneInput once. A crash or an
 * abort() in the target fails the test; so does an empty corpus. TAP output.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole file, or NULL. */
static uint8_t *
replay_read(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		return NULL;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	for (size_t n; buf && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
		len += n;
		if (len == cap) {
			cap *= 2;
			uint8_t *grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				buf = NULL;
			}
			buf = grown;
		}
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		return NULL;
	}
	*size = len;
	return buf;
}

int
main(int argc, char **argv)
{
	printf("TAP version 13\n1..1\n");
	if (argc != 2) {
		printf("not ok 1 usage: %s CORPUS_DIR\n", argv[0]);
		return 1;
	}
	DIR *dir = opendir(argv[1]);
	if (!dir) {
		printf("not ok 1 %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t count = 0;
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] == '.') {
			continue;
		}
		names = realloc(names, (count + 1) * sizeof(*names));
		names[count++] = strdup(ent->d_name);
	}
	closedir(dir);
	qsort(names, count, sizeof(*names), compare_names);
	size_t replayed = 0;
	for (size_t i = 0; i < count; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			continue;
		}
		size_t size = 0;
		uint8_t *data = replay_read(path, &size);
		if (!data) {
			printf("not ok 1 cannot read %s\n", path);
			return 1;
		}
		/* Announce it first: if the target crashes, the log names the input. */
		printf("# %s (%zu bytes)\n", names[i], size);
		fflush(stdout);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		replayed++;
	}
	for (size_t i = 0; i < count; i++) {
		free(names[i]);
	}
	free(names);
	if (replayed == 0) {
		printf("not ok 1 no input in %s\n", argv[1]);
		return 1;
	}
	printf("ok 1 %zu inputs replayed\n", replayed);
	return 0;
}
