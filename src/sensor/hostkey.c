#include "sensor/hostkey.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int yg_hostkey_random(uint8_t ret_key[YG_HOSTKEY_LEN])
{
	return RAND_bytes(ret_key, YG_HOSTKEY_LEN) == 1 ? 0 : -EIO;
}

static int read_key(const char *path, uint8_t ret_key[YG_HOSTKEY_LEN])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint8_t buf[YG_HOSTKEY_LEN + 1];
	size_t got = 0;
	int r = 0;
	while (got < sizeof buf) {
		ssize_t n = read(fd, buf + got, sizeof buf - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (r == 0 && got != YG_HOSTKEY_LEN)
		r = -EBADMSG;
	if (r == 0)
		memcpy(ret_key, buf, YG_HOSTKEY_LEN);
	memset(buf, 0, sizeof buf);
	return r;
}

int yg_hostkey_load(const char *path, uint8_t ret_key[YG_HOSTKEY_LEN])
{
	int r = read_key(path, ret_key);
	if (r != -ENOENT)
		return r;
	uint8_t k[YG_HOSTKEY_LEN];
	if (yg_hostkey_random(k) < 0)
		return -EIO;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		/* Another sensor made it first: use theirs. */
		if (r == -EEXIST)
			r = read_key(path, ret_key);
		goto out;
	}
	ssize_t w = write(fd, k, sizeof k);
	if (w != (ssize_t)sizeof k || fsync(fd) < 0)
		r = w < 0 ? -errno : -EIO;
	else
		r = 0;
	close(fd);
	if (r < 0)
		unlink(path);
	else
		memcpy(ret_key, k, sizeof k);
out:
	memset(k, 0, sizeof k);
	return r;
}
