// SPDX-License-Identifier: MIT
/*
 * What the guard answers to each request: the MIME allowlist, the size cap,
 * text through sanitize_text.c, PNG images decoded and encoded again so that
 * only pixels cross, and audit lines through audit.c.
 */
#include <stdio.h>
#include <string.h>
#include "common/clipboard_mime.h"
#include "audit.h"
#include "guard.h"
#include "sanitize_text.h"
#include "sha256.h"
#if GUARD_HAVE_LIBPNG
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#endif

enum guard_kind
guard_mime_kind(const char *mime, bool allow_images)
{
	if (clipboard_mime_text_rank(mime) >= 0) {
		return GUARD_KIND_TEXT;
	}
	if (allow_images && guard_images_supported() && clipboard_mime_is_png(mime)) {
		return GUARD_KIND_PNG;
	}
	return GUARD_KIND_REFUSED;
}

static bool
guard_terminated(const char *field, size_t size)
{
	return memchr(field, '\0', size) != NULL;
}

enum guard_check
guard_check_request(const struct guard_request *req, char *reason, size_t reason_size)
{
	if (req->magic != GUARD_IPC_MAGIC) {
		snprintf(reason, reason_size, "bad magic");
		return GUARD_CHECK_FATAL;
	}
	if (req->version != GUARD_IPC_VERSION) {
		snprintf(reason, reason_size, "unsupported protocol version %u",
				(unsigned)req->version);
		return GUARD_CHECK_FATAL;
	}
	if (req->type != GUARD_REQ_SANITISE && req->type != GUARD_REQ_AUDIT) {
		snprintf(reason, reason_size, "unknown request type %u", (unsigned)req->type);
		return GUARD_CHECK_FATAL;
	}
	if (!guard_terminated(req->src_level, sizeof(req->src_level)) ||
			!guard_terminated(req->dst_level, sizeof(req->dst_level)) ||
			!guard_terminated(req->mime, sizeof(req->mime)) ||
			!guard_terminated(req->sha256, sizeof(req->sha256)) ||
			!guard_terminated(req->reason, sizeof(req->reason))) {
		snprintf(reason, reason_size, "a string field is not NUL-terminated");
		return GUARD_CHECK_INVALID;
	}
	if (req->src_level[0] == '\0' || req->dst_level[0] == '\0') {
		snprintf(reason, reason_size, "source or destination level missing");
		return GUARD_CHECK_INVALID;
	}
	if (req->type == GUARD_REQ_AUDIT) {
		if (req->length != 0) {
			snprintf(reason, reason_size, "an audit request carries no payload");
			return GUARD_CHECK_INVALID;
		}
		if (!audit_decision_name(req->decision)) {
			snprintf(reason, reason_size, "unknown decision %u",
					(unsigned)req->decision);
			return GUARD_CHECK_INVALID;
		}
		if (!audit_is_hex_hash(req->sha256, true)) {
			snprintf(reason, reason_size,
					"sha256 must be empty or 64 lowercase hex digits");
			return GUARD_CHECK_INVALID;
		}
	}
	return GUARD_CHECK_OK;
}

uint32_t
guard_request_cap(const struct guard_request *req)
{
	if (req->type != GUARD_REQ_SANITISE) {
		return 0;
	}
	return req->max_bytes < GUARD_HARD_MAX_BYTES ? req->max_bytes : GUARD_HARD_MAX_BYTES;
}

static enum guard_status
guard_answer(struct guard_response *resp, enum guard_status status, const char *reason)
{
	resp->status = status;
	snprintf(resp->reason, sizeof(resp->reason), "%s", reason);
	if (status != GUARD_OK) {
		resp->length = 0;
		resp->removed = 0;
		memset(resp->sha256, 0, sizeof(resp->sha256));
		memset(resp->preview, 0, sizeof(resp->preview));
	}
	return status;
}

static enum guard_status
guard_handle_text(const struct guard_request *req, const uint8_t *payload,
		struct guard_response *resp, uint8_t *out, size_t out_size)
{
	struct guard_text_result result;
	enum guard_text_status status = guard_sanitize_text(payload, req->length,
			guard_request_cap(req), out, out_size, &result);
	if (status != GUARD_TEXT_OK) {
		return guard_answer(resp, GUARD_REFUSED, result.reason);
	}
	resp->length = (uint32_t)result.length;
	resp->removed = result.removed;
	sha256_hex(out, result.length, resp->sha256);
	guard_text_preview(out, result.length, resp->preview, sizeof(resp->preview));
	return guard_answer(resp, GUARD_OK,
			result.removed > 0 ? "sanitised: characters removed" : "sanitised");
}

#if GUARD_HAVE_LIBPNG

bool
guard_images_supported(void)
{
	return true;
}

struct guard_png_sink {
	uint8_t *out;
	size_t len, cap;
};

static void
guard_png_write(png_structp png, png_bytep data, size_t len)
{
	struct guard_png_sink *sink = png_get_io_ptr(png);
	if (len > sink->cap - sink->len) {
		png_error(png, "too large after encoding");
	}
	memcpy(sink->out + sink->len, data, len);
	sink->len += len;
}

static void
guard_png_flush(png_structp png)
{
}

static void
guard_png_error(png_structp png, png_const_charp message)
{
	png_longjmp(png, 1); /* quietly: the reason the caller gives is enough */
}

static void
guard_png_warning(png_structp png, png_const_charp message)
{
}

/* A fresh PNG of the pixels alone: IHDR, IDAT, IEND, nothing else. */
static bool
guard_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t format,
		struct guard_png_sink *sink)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, guard_png_error,
			guard_png_warning);
	if (!png) {
		return false;
	}
	png_infop info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return false;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return false;
	}
	int color_type = format & PNG_FORMAT_FLAG_COLOR ?
			(format & PNG_FORMAT_FLAG_ALPHA ? PNG_COLOR_TYPE_RGB_ALPHA :
							  PNG_COLOR_TYPE_RGB) :
			(format & PNG_FORMAT_FLAG_ALPHA ? PNG_COLOR_TYPE_GRAY_ALPHA :
							  PNG_COLOR_TYPE_GRAY);
	size_t stride = (size_t)width * PNG_IMAGE_SAMPLE_CHANNELS(format);
	png_set_write_fn(png, sink, guard_png_write, guard_png_flush);
	png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE,
			PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < height; y++) {
		png_write_row(png, pixels + (size_t)y * stride);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return true;
}

/*
 * Whether every chunk the payload declares, up to IEND or its end, fits in
 * it. libpng allocates (and zeroes) a chunk's declared length before it
 * reads it: a 160-byte PNG whose tEXt claims 1.6 GB made the guard take
 * 1.5 GB and 20 s (found by fuzz-guard). A chunk longer than the payload
 * can only be a broken or hostile image.
 */
static bool
guard_png_chunks_fit(const uint8_t *payload, size_t len)
{
	size_t at = 8; /* the signature: libpng checks it */
	while (at < len) {
		if (len - at < 12) {
			return false; /* not even a chunk's length, type and CRC */
		}
		uint32_t length = (uint32_t)payload[at] << 24 | (uint32_t)payload[at + 1] << 16 |
				(uint32_t)payload[at + 2] << 8 | payload[at + 3];
		if (length > len - at - 12) {
			return false;
		}
		if (memcmp(payload + at + 4, "IEND", 4) == 0) {
			return true;
		}
		at += 12 + (size_t)length;
	}
	return true;
}

static enum guard_status
guard_handle_png(const struct guard_request *req, const uint8_t *payload,
		struct guard_response *resp, uint8_t *out, size_t out_size)
{
	if (req->length > 8 && memcmp(payload, "\x89PNG\r\n\x1a\n", 8) == 0 &&
			!guard_png_chunks_fit(payload, req->length)) {
		return guard_answer(resp, GUARD_REFUSED, "broken PNG image");
	}
	png_image image;
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&image, payload, req->length)) {
		png_image_free(&image);
		return guard_answer(resp, GUARD_REFUSED, "not a PNG image");
	}
	if (image.width == 0 || image.height == 0 || image.width > GUARD_IMAGE_MAX_SIDE ||
			image.height > GUARD_IMAGE_MAX_SIDE ||
			(uint64_t)image.width * image.height > GUARD_IMAGE_MAX_PIXELS) {
		png_image_free(&image);
		return guard_answer(resp, GUARD_REFUSED, "image too large");
	}
	/* 8-bit sRGB samples, grey or colour, with alpha only if it has one. */
	uint32_t format = image.format & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA);
	image.format = format;
	size_t size = PNG_IMAGE_SIZE(image);
	uint8_t *pixels = malloc(size);
	if (!pixels) {
		png_image_free(&image);
		return guard_answer(resp, GUARD_REFUSED, "image too large");
	}
	if (!png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
		free(pixels);
		png_image_free(&image);
		return guard_answer(resp, GUARD_REFUSED, "broken PNG image");
	}
	uint32_t width = image.width, height = image.height;
	png_image_free(&image);
	size_t cap = guard_request_cap(req);
	struct guard_png_sink sink = { .out = out, .cap = cap < out_size ? cap : out_size };
	bool ok = guard_png_encode(pixels, width, height, format, &sink);
	free(pixels);
	if (!ok) {
		memset(out, 0, sink.len);
		return guard_answer(resp, GUARD_REFUSED, "image too large after encoding");
	}
	resp->length = (uint32_t)sink.len;
	resp->removed = 0;
	sha256_hex(out, sink.len, resp->sha256);
	snprintf(resp->preview, sizeof(resp->preview), "PNG image %u\u00d7%u", (unsigned)width,
			(unsigned)height);
	return guard_answer(resp, GUARD_OK, "image encoded again");
}

#else

bool
guard_images_supported(void)
{
	return false;
}

static enum guard_status
guard_handle_png(const struct guard_request *req, const uint8_t *payload,
		struct guard_response *resp, uint8_t *out, size_t out_size)
{
	return guard_answer(resp, GUARD_REFUSED, "type not allowed");
}

#endif

static enum guard_status
guard_handle_audit(struct guard *guard, const struct guard_request *req,
		struct guard_response *resp)
{
	if (!guard->audit) {
		return guard_answer(resp, GUARD_ERROR, "no audit log");
	}
	struct audit_record rec = {
		.src = req->src_level,
		.dst = req->dst_level,
		.type = req->mime,
		.size = req->size,
		.sha256 = req->sha256,
		.decision = audit_decision_name(req->decision),
		.reason = req->reason,
	};
	char err[GUARD_REASON_MAX];
	if (!audit_append(guard->audit, &rec, err, sizeof(err))) {
		return guard_answer(resp, GUARD_ERROR, err);
	}
	return guard_answer(resp, GUARD_OK, "logged");
}

enum guard_status
guard_handle(struct guard *guard, const struct guard_request *req, const uint8_t *payload,
		struct guard_response *resp, uint8_t *out, size_t out_size)
{
	memset(resp, 0, sizeof(*resp));
	resp->magic = GUARD_IPC_MAGIC;
	resp->version = GUARD_IPC_VERSION;
	resp->id = req->id;
	char reason[GUARD_REASON_MAX];
	if (guard_check_request(req, reason, sizeof(reason)) != GUARD_CHECK_OK) {
		return guard_answer(resp, GUARD_ERROR, reason);
	}
	if (req->type == GUARD_REQ_AUDIT) {
		return guard_handle_audit(guard, req, resp);
	}
	if (req->length > guard_request_cap(req)) {
		snprintf(reason, sizeof(reason), "too large: %u bytes, limit %u",
				(unsigned)req->length, (unsigned)guard_request_cap(req));
		return guard_answer(resp, GUARD_REFUSED, reason);
	}
	if ((!payload && req->length > 0) || out_size < GUARD_HARD_MAX_BYTES) {
		return guard_answer(resp, GUARD_ERROR, "internal: no payload or output buffer");
	}
	switch (guard_mime_kind(req->mime, guard->allow_images)) {
	case GUARD_KIND_TEXT:
		return guard_handle_text(req, payload, resp, out, out_size);
	case GUARD_KIND_PNG:
		return guard_handle_png(req, payload, resp, out, out_size);
	case GUARD_KIND_REFUSED:
		break;
	}
	return guard_answer(resp, GUARD_REFUSED, "type not allowed");
}
