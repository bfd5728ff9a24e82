/*
 * The key that hashes internal host addresses in sightings. The same key
 * across runs makes the same host hash the same at the hub (so an analyst
 * can tell "one machine, many hits" from "many machines"), while the hub
 * cannot reverse a hash without the key, which never leaves the sensor.
 */
#ifndef YG_SENSOR_HOSTKEY_H
#define YG_SENSOR_HOSTKEY_H

#include <stdint.h>

#define YG_HOSTKEY_LEN 32

/*
 * Reads the 32-byte key from path; when the file does not exist, creates
 * it (mode 0600, exclusive, fsync'd) with 32 random bytes. Returns 0,
 * -EBADMSG (the file exists but is not exactly 32 bytes), or -errno.
 * ret_key is untouched on failure.
 */
int yg_hostkey_load(const char *path, uint8_t ret_key[YG_HOSTKEY_LEN]);

/* A random key for this run only. Returns 0 or -EIO. */
int yg_hostkey_random(uint8_t ret_key[YG_HOSTKEY_LEN]);

#endif
