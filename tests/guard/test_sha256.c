// SPDX-License-Identifier: MIT
/* SHA-256 against FIPS 180-4's examples (NIST CSRC "SHA256.pdf", and the
 * one-million-'a' vector of the NIST test suite), plus padding boundaries. */
#include <stdlib.h>
#include <string.h>
#include "sha256.h"
#include "tap.h"

static void
check_hex(const void *data, size_t len, const char *expected)
{
	char hex[SHA256_HEX_SIZE];
	sha256_hex(data, len, hex);
	tap_assert_str_eq(hex, expected);
}

static void
test_nist_abc(void)
{
	check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_nist_empty(void)
{
	check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* NULL with no bytes is the empty message too. */
	check_hex(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_nist_448_bits(void)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	tap_assert_int_eq(strlen(m), 56);
	check_hex(m, 56, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_nist_896_bits(void)
{
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	tap_assert_int_eq(strlen(m), 112);
	check_hex(m, 112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void
test_nist_million_a(void)
{
	const char *expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	char *a = malloc(1000000);
	tap_assert(a != NULL);
	memset(a, 'a', 1000000);
	check_hex(a, 1000000, expected);
	/* The same, fed in uneven pieces through update. */
	struct sha256 ctx;
	sha256_init(&ctx);
	size_t done = 0, step = 1;
	while (done < 1000000) {
		size_t n = step < 1000000 - done ? step : 1000000 - done;
		sha256_update(&ctx, a + done, n);
		done += n;
		step = step % 131 + 7;
	}
	uint8_t digest[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	sha256_final(&ctx, digest);
	sha256_to_hex(digest, hex);
	tap_assert_str_eq(hex, expected);
	free(a);
}

/* Lengths around the 56-byte padding limit and the block size (values from
 * Python's hashlib). */
static void
test_padding_boundaries(void)
{
	static const struct {
		size_t len;
		const char *hex;
	} cases[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[128];
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tap_diag("%zu bytes", cases[i].len);
		check_hex(a, cases[i].len, cases[i].hex);
	}
}

TAP_TESTS(TAP_CASE(test_nist_abc), TAP_CASE(test_nist_empty), TAP_CASE(test_nist_448_bits),
		TAP_CASE(test_nist_896_bits), TAP_CASE(test_nist_million_a),
		TAP_CASE(test_padding_boundaries))
