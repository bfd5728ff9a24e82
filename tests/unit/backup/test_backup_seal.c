/*
 * The sealed stream (src/backup/bk_seal.c) and the archive inside it
 * (bk_archive.c): what goes in comes out byte for byte across chunk
 * boundaries; a wrong key, the other kind of secret, a reordered, dropped
 * or altered chunk and a file cut at a chunk boundary are each refused
 * with their own error; names that could leave the folder never pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/bk_archive.h"
#include "backup/bk_seal.h"

static struct yg_bk_secret key(uint8_t fill)
{
	struct yg_bk_secret s = {.is_keyfile = true, .len = YG_BK_KEY_LEN};
	memset(s.bytes, fill, YG_BK_KEY_LEN);
	return s;
}

/* Seals n bytes of a pattern; *ret (caller frees) gets the file. */
static size_t seal(const struct yg_bk_secret *s, size_t n, uint8_t **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct yg_bk_writer *w = NULL;
	assert_int_equal(yg_bk_writer_new(f, s, &w), 0);
	uint8_t block[7777];
	for (size_t off = 0; off < n;) {
		size_t take = n - off < sizeof block ? n - off : sizeof block;
		for (size_t i = 0; i < take; i++)
			block[i] = (uint8_t)((off + i) * 31 + 7);
		assert_int_equal(yg_bk_write(w, block, take), 0);
		off += take;
	}
	assert_int_equal(yg_bk_writer_finish(w), 0);
	yg_bk_writer_free(w);
	fclose(f);
	*ret = (uint8_t *)buf;
	return len;
}

/* Opens a file and reads n bytes back: 0 when they are the pattern and the
 * stream ends there, else the first error. */
static int open_all(const struct yg_bk_secret *s, const uint8_t *file, size_t len, size_t n)
{
	FILE *f = fmemopen((void *)file, len, "rb");
	assert_non_null(f);
	struct yg_bk_reader *rd = NULL;
	int r = yg_bk_reader_new(f, s, &rd);
	uint8_t *got = malloc(n + 1);
	if (r == 0)
		r = yg_bk_read(rd, got, n);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (got[i] != (uint8_t)(i * 31 + 7))
			r = -EILSEQ;
	if (r == 0)
		r = yg_bk_reader_end(rd);
	free(got);
	yg_bk_reader_free(rd);
	fclose(f);
	return r;
}

#define CHUNK_REC (4 + YG_BK_CHUNK + 16)

static void round_trip_across_chunks(void **state)
{
	(void)state;
	struct yg_bk_secret s = key(1);
	size_t sizes[] = {0, 1, YG_BK_CHUNK - 1, YG_BK_CHUNK, YG_BK_CHUNK + 1, 2 * YG_BK_CHUNK + 5};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint8_t *file;
		size_t len = seal(&s, sizes[i], &file);
		assert_int_equal(open_all(&s, file, len, sizes[i]), 0);
		/* Reading one byte more than was sealed is an error, not junk. */
		if (sizes[i] < YG_BK_CHUNK)
			assert_int_equal(open_all(&s, file, len, sizes[i] + 1), -EBADMSG);
		free(file);
	}
}

static void wrong_key_and_kind(void **state)
{
	(void)state;
	struct yg_bk_secret s = key(1), other = key(2);
	uint8_t *file;
	size_t len = seal(&s, 100, &file);
	assert_int_equal(open_all(&other, file, len, 100), -EKEYREJECTED);
	struct yg_bk_secret pass = {.is_keyfile = false, .len = 12};
	memcpy(pass.bytes, "a passphrase", 12);
	assert_int_equal(open_all(&pass, file, len, 100), -ENOKEY);
	free(file);
	/* A passphrase backup opens with the passphrase only. */
	len = seal(&pass, 100, &file);
	assert_int_equal(open_all(&pass, file, len, 100), 0);
	pass.bytes[0] = 'A';
	assert_int_equal(open_all(&pass, file, len, 100), -EKEYREJECTED);
	assert_int_equal(open_all(&s, file, len, 100), -ENOKEY);
	free(file);
}

static void tampering_is_refused(void **state)
{
	(void)state;
	struct yg_bk_secret s = key(3);
	size_t n = 2 * YG_BK_CHUNK + 10; /* three chunks: full, full, short final */
	uint8_t *file;
	size_t len = seal(&s, n, &file);
	assert_int_equal(len, YG_BK_HEADER_LEN + 2 * CHUNK_REC + 4 + 10 + 16);
	uint8_t *copy = malloc(len);
	/* Cut at a chunk boundary: the second chunk was not sealed as last. */
	assert_int_equal(open_all(&s, file, YG_BK_HEADER_LEN + 2 * CHUNK_REC, 2 * YG_BK_CHUNK),
	                 -EBADMSG);
	/* The two full chunks swapped. */
	memcpy(copy, file, len);
	memcpy(copy + YG_BK_HEADER_LEN, file + YG_BK_HEADER_LEN + CHUNK_REC, CHUNK_REC);
	memcpy(copy + YG_BK_HEADER_LEN + CHUNK_REC, file + YG_BK_HEADER_LEN, CHUNK_REC);
	assert_int_equal(open_all(&s, copy, len, n), -EBADMSG);
	/* One bit of ciphertext, of a tag, of the header's salt. */
	size_t spots[] = {YG_BK_HEADER_LEN + CHUNK_REC + 100, len - 1, 20};
	for (size_t i = 0; i < 3; i++) {
		memcpy(copy, file, len);
		copy[spots[i]] ^= 1;
		int r = open_all(&s, copy, len, n);
		assert_true(r == -EBADMSG || (spots[i] == 20 && r == -EKEYREJECTED));
	}
	/* Anything after the final chunk. */
	uint8_t *longer = malloc(len + 4);
	memcpy(longer, file, len);
	memset(longer + len, 0, 4);
	assert_int_equal(open_all(&s, longer, len + 4, n), -EBADMSG);
	/* Not a backup; a newer format. */
	memcpy(copy, file, len);
	copy[0] = 'X';
	assert_int_equal(open_all(&s, copy, len, n), -EBADMSG);
	memcpy(copy, file, len);
	copy[8] = 2;
	assert_int_equal(open_all(&s, copy, len, n), -EPROTO);
	free(longer);
	free(copy);
	free(file);
}

static void names(void **state)
{
	(void)state;
	const char *good[] = {"hub.db", "mail.key", "guidance/generic.en.txt", "a/b/c",
	                      "warninglist.d/x-y_z+1@2=3,4"};
	const char *bad[] = {"",     "/etc/passwd", "../x", "a/../b", "a/./b", ".hidden",
	                     "a//b", "a/",          "a\\b", "a b",    "a/.x",  "x\n"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(yg_bk_name_ok(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(yg_bk_name_ok(bad[i], strlen(bad[i])));
	assert_false(yg_bk_name_ok("a\0b", 3));
	char deep[64] = "";
	for (int i = 0; i <= YG_BK_DEPTH_MAX; i++)
		strcat(deep, i ? "/d" : "d");
	assert_false(yg_bk_name_ok(deep, strlen(deep)));
}

struct mem {
	uint8_t *p;
	size_t n, cap, pos;
};

static int mem_write(void *ud, const void *p, size_t n)
{
	struct mem *m = ud;
	assert_true(m->n + n <= m->cap);
	memcpy(m->p + m->n, p, n);
	m->n += n;
	return 0;
}

static int mem_read(void *ud, void *p, size_t n)
{
	struct mem *m = ud;
	if (n > m->n - m->pos)
		return -EBADMSG;
	memcpy(p, m->p + m->pos, n);
	m->pos += n;
	return 0;
}

static char seen[512];

static int on_dir(void *ud, const char *name, uint32_t mode)
{
	(void)ud;
	snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "D%s:%o;", name, mode);
	return 0;
}

static int on_file(void *ud, const char *name, uint32_t mode, uint64_t size)
{
	(void)ud;
	snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "F%s:%o:%llu:", name, mode,
	         (unsigned long long)size);
	return 0;
}

static int on_data(void *ud, const uint8_t *p, size_t n)
{
	(void)ud;
	snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%.*s", (int)n, (const char *)p);
	return 0;
}

static void archive_round_trip_and_counts(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct mem m = {.p = buf, .cap = sizeof buf};
	struct yg_bk_put o = {.write = mem_write, .ud = &m};
	assert_int_equal(yg_bk_put_manifest(&o, "{}", 2), 0);
	assert_int_equal(yg_bk_put_dir(&o, "g", 0755), 0);
	assert_int_equal(yg_bk_put_file(&o, "g/x", 0600, 3), 0);
	assert_int_equal(mem_write(&m, "abc", 3), 0);
	assert_int_equal(yg_bk_put_dir(&o, "../up", 0755), -EINVAL);
	size_t before_end = m.n;
	assert_int_equal(yg_bk_put_end(&o, 1, 3), 0);
	struct yg_bk_src src = {.read = mem_read, .ud = &m};
	struct yg_bk_sink sink = {.dir = on_dir, .file_begin = on_file, .file_data = on_data};
	char where[256];
	seen[0] = '\0';
	assert_int_equal(yg_bk_archive_read(&src, &sink, where, sizeof where), 0);
	assert_string_equal(seen, "Dg:755;Fg/x:600:3:abc");
	/* A trailer that counts otherwise, and an archive cut short. */
	m.n = before_end;
	assert_int_equal(yg_bk_put_end(&o, 2, 3), 0);
	m.pos = 0;
	assert_int_equal(yg_bk_archive_read(&src, &sink, where, sizeof where), -EBADMSG);
	assert_non_null(strstr(where, "trailer"));
	m.n = before_end - 1;
	m.pos = 0;
	assert_int_equal(yg_bk_archive_read(&src, &sink, where, sizeof where), -EBADMSG);
	assert_non_null(strstr(where, "cut short"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_across_chunks),      cmocka_unit_test(wrong_key_and_kind),
	    cmocka_unit_test(tampering_is_refused),          cmocka_unit_test(names),
	    cmocka_unit_test(archive_round_trip_and_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
