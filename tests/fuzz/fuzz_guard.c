// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for strata-clipboard-guard's request handling
 * (guard_handle, hence the text filter, the preview, SHA-256 and the PNG
 * decoder and encoder), with no audit log.
 *
 * Input: byte 0 picks the mode (bits 0-1) and whether images are allowed
 * (bit 2); byte 1 the MIME type in mode 1 (bits 0-6, mod the table) and, in
 * modes 1-3, the size cap (bit 7 set: a cap of bits 0-6 bytes, else 1 MiB).
 * The rest is:
 *   mode 0: a raw struct guard_request, then its payload (what main.c would
 *           read: the payload is cut to what the input holds);
 *   modes 1-3: the payload of a well-formed GUARD_REQ_SANITISE request, of
 *           the type picked by byte 1 (mode 1), image/png (mode 2) or
 *           text/plain;charset=utf-8 (mode 3).
 * Beyond not crashing (ASan and UBSan watch every byte), whatever the guard
 * lets cross must hold what it promises: text is valid UTF-8 with no control
 * but tab and LF, no C1, no bidi or invisible format character, and stays the
 * same when filtered again; the preview is valid UTF-8, fits, shows nothing
 * the text would not, and is the start of what crosses; images are PNGs of
 * IHDR, IDAT and IEND only that the guard encodes again to the same bytes;
 * the hash is the SHA-256 of the bytes that cross.
 */
#include <stdlib.h>
#include <string.h>
#include "audit.h"
#include "common/guard_ipc.h"
#include "guard.h"
#include "sanitize_text.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_guard_check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static const char *const fuzz_guard_mimes[] = {
	"text/plain;charset=utf-8",
	"text/plain",
	"UTF8_STRING",
	"STRING",
	"TEXT",
	"image/png",
	"text/html",
	"",
};

/*
 * Checks of their own, not the guard's functions, so that a bug there cannot
 * hide from them. Well-formed UTF-8 per Unicode table 3-7; *cp the character
 * at s, and its length (0: ill-formed).
 */
static size_t
fuzz_guard_utf8(const uint8_t *s, size_t len, uint32_t *cp)
{
	static const struct {
		uint8_t lead_min, lead_max, second_min, second_max, length;
	} forms[] = {
		{ 0x00, 0x7f, 0, 0, 1 },
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if (s[0] < forms[f].lead_min || s[0] > forms[f].lead_max) {
			continue;
		}
		size_t n = forms[f].length;
		if (len < n) {
			return 0;
		}
		if (n == 1) {
			*cp = s[0];
			return 1;
		}
		if (s[1] < forms[f].second_min || s[1] > forms[f].second_max) {
			return 0;
		}
		uint32_t c = s[0] & (0x7f >> n);
		for (size_t i = 1; i < n; i++) {
			if (i > 1 && (s[i] < 0x80 || s[i] > 0xbf)) {
				return 0;
			}
			c = c << 6 | (s[i] & 0x3f);
		}
		*cp = c;
		return n;
	}
	return 0;
}

/* What must never cross: controls but tab and LF, DEL, C1, bidi controls and
 * the invisible format characters the brief names. */
static bool
fuzz_guard_forbidden(uint32_t cp)
{
	static const uint32_t ranges[][2] = {
		{ 0x00, 0x08 },
		{ 0x0b, 0x1f },
		{ 0x7f, 0x9f },
		{ 0xad, 0xad },
		{ 0x061c, 0x061c },
		{ 0x200b, 0x200f },
		{ 0x202a, 0x202e },
		{ 0x2060, 0x2064 },
		{ 0x2066, 0x2069 },
		{ 0xfeff, 0xfeff },
		{ 0xe0000, 0xe007f },
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (cp >= ranges[i][0] && cp <= ranges[i][1]) {
			return true;
		}
	}
	return false;
}

/* Valid UTF-8 without a forbidden character; returns the number of
 * characters. */
static size_t
fuzz_guard_check_text(const uint8_t *text, size_t len)
{
	size_t i = 0, chars = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = fuzz_guard_utf8(text + i, len - i, &cp);
		fuzz_guard_check(n > 0);
		fuzz_guard_check(!fuzz_guard_forbidden(cp));
		i += n;
		chars++;
	}
	return chars;
}

/* A NUL-terminated field holds valid UTF-8 text, if it must. */
static void
fuzz_guard_check_field(const char *field, size_t size, bool text)
{
	const char *nul = memchr(field, '\0', size);
	fuzz_guard_check(nul != NULL);
	if (text) {
		fuzz_guard_check_text((const uint8_t *)field, (size_t)(nul - field));
	}
}

/* The preview shows the start of text, newlines as ⏎ and tabs as →, and
 * ends with … when it does not show all of it. */
static void
fuzz_guard_check_preview(const char *preview, const uint8_t *text, size_t len)
{
	size_t plen = strlen(preview);
	fuzz_guard_check(plen <= GUARD_PREVIEW_MAX - 1);
	size_t chars = fuzz_guard_check_text((const uint8_t *)preview, plen);
	fuzz_guard_check(chars <= 200 + 1); /* 200, and an ellipsis */
	static const char ellipsis[] = "\u2026";
	bool cut = plen >= 3 && memcmp(preview + plen - 3, ellipsis, 3) == 0;
	size_t p = 0, i = 0;
	size_t shown = cut ? plen - 3 : plen;
	while (p < shown) {
		fuzz_guard_check(i < len);
		uint32_t cp;
		size_t n = fuzz_guard_utf8(text + i, len - i, &cp);
		const char *want = (const char *)text + i;
		size_t want_len = n;
		if (cp == '\n' || cp == 0x2028 || cp == 0x2029) {
			want = "\u23ce";
			want_len = 3;
		} else if (cp == '\t') {
			want = "\u2192";
			want_len = 3;
		}
		fuzz_guard_check(shown - p >= want_len && memcmp(preview + p, want, want_len) == 0);
		p += want_len;
		i += n;
	}
	/* All shown, or cut: a text ending in … shows all only if it is all. */
	fuzz_guard_check(i == len || cut);
}

#if GUARD_HAVE_LIBPNG
static void
fuzz_guard_check_png(struct guard *guard, const struct guard_request *req, const uint8_t *png,
		size_t len)
{
	fuzz_guard_check(len >= 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
	size_t at = 8;
	while (at + 12 <= len) {
		uint32_t n = (uint32_t)png[at] << 24 | (uint32_t)png[at + 1] << 16 |
				(uint32_t)png[at + 2] << 8 | png[at + 3];
		const uint8_t *type = png + at + 4;
		fuzz_guard_check(memcmp(type, "IHDR", 4) == 0 || memcmp(type, "IDAT", 4) == 0 ||
				memcmp(type, "IEND", 4) == 0);
		fuzz_guard_check(n <= len - at - 12);
		at += 12 + (size_t)n;
	}
	fuzz_guard_check(at == len);
	/* A fixed point: the guard's own PNG comes back byte for byte. */
	static uint8_t again[GUARD_HARD_MAX_BYTES];
	struct guard_request req2 = *req;
	req2.length = (uint32_t)len;
	req2.max_bytes = GUARD_HARD_MAX_BYTES;
	uint8_t *copy = malloc(len);
	fuzz_guard_check(copy != NULL);
	memcpy(copy, png, len);
	struct guard_response resp2;
	fuzz_guard_check(
			guard_handle(guard, &req2, copy, &resp2, again, sizeof(again)) == GUARD_OK);
	fuzz_guard_check(resp2.length == len && memcmp(again, png, len) == 0);
	free(copy);
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[GUARD_HARD_MAX_BYTES];
	if (size < 2) {
		return 0;
	}
	unsigned mode = data[0] & 3;
	struct guard guard = { .allow_images = data[0] & 4, .audit = NULL };
	uint8_t choice = data[1];
	data += 2;
	size -= 2;

	struct guard_request req;
	memset(&req, 0, sizeof(req));
	if (mode == 0) {
		size_t n = size < sizeof(req) ? size : sizeof(req);
		memcpy(&req, data, n);
		data += n;
		size -= n;
	} else {
		req.magic = GUARD_IPC_MAGIC;
		req.version = GUARD_IPC_VERSION;
		req.type = GUARD_REQ_SANITISE;
		req.id = 1;
		memcpy(req.src_level, "low", 4);
		memcpy(req.dst_level, "high", 5);
		size_t mimes = sizeof(fuzz_guard_mimes) / sizeof(fuzz_guard_mimes[0]);
		const char *mime = mode == 1 ? fuzz_guard_mimes[(choice & 0x7f) % mimes] :
				mode == 2    ? "image/png" :
					       "text/plain;charset=utf-8";
		memcpy(req.mime, mime, strlen(mime) + 1);
		req.max_bytes = choice & 0x80 ? choice & 0x7f : GUARD_HARD_MAX_BYTES;
		req.length = (uint32_t)(size < GUARD_HARD_MAX_BYTES ? size : GUARD_HARD_MAX_BYTES);
	}

	/* As main.c: the payload is read only when the request may carry it. */
	char reason[GUARD_REASON_MAX];
	uint8_t *payload = NULL;
	if (guard_check_request(&req, reason, sizeof(reason)) == GUARD_CHECK_OK &&
			req.type == GUARD_REQ_SANITISE && req.length <= guard_request_cap(&req)) {
		if (req.length > size) {
			req.length = (uint32_t)size;
		}
		/* A copy of exactly the payload, so ASan sees any read past its end. */
		payload = malloc(req.length > 0 ? req.length : 1);
		fuzz_guard_check(payload != NULL);
		memcpy(payload, data, req.length);
	}

	struct guard_response resp;
	memset(&resp, 0xa5, sizeof(resp));
	enum guard_status status = guard_handle(&guard, &req, payload, &resp, out, sizeof(out));
	fuzz_guard_check(status == resp.status);
	fuzz_guard_check(status == GUARD_OK || status == GUARD_REFUSED || status == GUARD_ERROR);
	fuzz_guard_check(resp.magic == GUARD_IPC_MAGIC && resp.version == GUARD_IPC_VERSION &&
			resp.id == req.id);
	fuzz_guard_check_field(resp.reason, sizeof(resp.reason), true);
	fuzz_guard_check_field(resp.sha256, sizeof(resp.sha256), false);
	fuzz_guard_check_field(resp.preview, sizeof(resp.preview), true);
	fuzz_guard_check(resp.length <= GUARD_HARD_MAX_BYTES);
	if (status != GUARD_OK) {
		fuzz_guard_check(resp.length == 0 && resp.sha256[0] == '\0' &&
				resp.preview[0] == '\0');
		free(payload);
		return 0;
	}
	fuzz_guard_check(req.type == GUARD_REQ_SANITISE && payload != NULL);
	fuzz_guard_check(resp.length <= guard_request_cap(&req));
	char hex[SHA256_HEX_SIZE];
	sha256_hex(out, resp.length, hex);
	fuzz_guard_check(strcmp(hex, resp.sha256) == 0);

	enum guard_kind kind = guard_mime_kind(req.mime, guard.allow_images);
	if (kind == GUARD_KIND_TEXT) {
		fuzz_guard_check(resp.length <= req.length);
		fuzz_guard_check_text(out, resp.length);
		fuzz_guard_check_preview(resp.preview, out, resp.length);
		/* Filtering sanitised text changes nothing. */
		uint8_t *again = malloc(resp.length > 0 ? resp.length : 1);
		fuzz_guard_check(again != NULL);
		struct guard_text_result result;
		fuzz_guard_check(guard_sanitize_text(out, resp.length, resp.length, again,
						 resp.length, &result) == GUARD_TEXT_OK);
		fuzz_guard_check(result.length == resp.length && result.removed == 0 &&
				result.newlines == 0 && memcmp(again, out, resp.length) == 0);
		free(again);
	} else {
		fuzz_guard_check(kind == GUARD_KIND_PNG);
#if GUARD_HAVE_LIBPNG
		fuzz_guard_check_png(&guard, &req, out, resp.length);
#else
		abort();
#endif
	}
	free(payload);
	return 0;
}
