/* SPDX-License-Identifier: MIT */
#ifndef CLIPBOARD_GUARD_SHA256_H
#define CLIPBOARD_GUARD_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 as in FIPS 180-4, for the hashes the guard returns and chains. */

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65 /* 64 lowercase hex digits and a NUL */

struct sha256 {
	uint32_t state[8];
	uint64_t bytes; /* message length so far */
	uint8_t block[64];
	size_t block_len;
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
/* Writes the digest and leaves ctx unusable until the next sha256_init. */
void sha256_final(struct sha256 *ctx, uint8_t digest[SHA256_DIGEST_SIZE]);

/* One call: the digest of len bytes. */
void sha256_digest(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE]);
/* One call: the digest as lowercase hex, NUL-terminated. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE]);
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char hex[SHA256_HEX_SIZE]);

#endif
