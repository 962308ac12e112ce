// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "shm_fill.h"

struct wl_buffer *
shm_filled_buffer(struct wl_shm *shm, int width, int height, uint32_t colour)
{
	if (!shm || width <= 0 || height <= 0) {
		return NULL;
	}
	int stride = width * 4;
	size_t size = (size_t)stride * (size_t)height;
	if (size > INT32_MAX) {
		return NULL;
	}
	int fd = memfd_create("strata-test-shm", MFD_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return NULL;
	}
	uint32_t *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	for (size_t i = 0; i < size / 4; i++) {
		pixels[i] = colour;
	}
	munmap(pixels, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height, stride,
			WL_SHM_FORMAT_ARGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return buffer;
}
