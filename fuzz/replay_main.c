/*
 * Replays a libFuzzer corpus without libFuzzer: every file named on the
 * command line (or found in a directory named there) is passed once to
 * LLVMFuzzerTestOneInput. Lets the normal and sanitizer builds run the
 * corpora as ordinary tests.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, unsigned *count)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || st.st_size < 0 || st.st_size > (64 << 20)) {
		fprintf(stderr, "replay: %s: not a regular file of at most 64 MiB\n", path);
		fclose(f);
		return -1;
	}
	size_t n = (size_t)st.st_size;
	/* An exact-size heap copy lets ASan catch any read past the input. */
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		fclose(f);
		return -1;
	}
	size_t got = fread(buf, 1, n, f);
	fclose(f);
	if (got != n) {
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	(*count)++;
	return 0;
}

static int replay_path(const char *path, unsigned *count)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int r = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		int k = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (k < 0 || (size_t)k >= sizeof sub)
			continue;
		if (replay_path(sub, count) < 0)
			r = -1;
	}
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int r = 0;
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) < 0)
			r = 1;
	printf("replayed %u inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	return r;
}
