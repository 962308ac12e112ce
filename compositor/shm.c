// SPDX-License-Identifier: MIT
/*
 * wl_shm for level clients, SIGBUS-safe: see shm.h for why.
 *
 * Lifetimes: a pool (mapping + fd) is reference-counted by its wl_shm_pool
 * resource, its wl_buffers and the frame buffers not yet copied. A frame
 * buffer (the wlr_buffer wlroots gets for each attach of a wl_buffer)
 * copies the pixels into compositor memory, then drops its pool reference
 * and lets the wl_buffer go (released once no frame of it still needs its
 * memory): from then on nothing the client does to its memory can reach the
 * renderer.
 *
 * That memory is a store, one per surface, reused from commit to commit:
 * a commit copies only the rows and columns its damage names, as wlroots
 * does for its own wl_shm textures (wlr_client_buffer_apply_damage). The
 * store is written in place only when the frame that showed it is about to
 * go and nothing else holds it; otherwise (first frame, new size or format,
 * a frame still held elsewhere) a new store gets the whole buffer, at once.
 *
 * With the pixman renderer, which reads a texture's pixels when it draws,
 * a window's (xdg surfaces and subsurfaces) damage is copied when the frame
 * that shows it is drawn (shm_flush), not during the commit: the commit
 * costs nothing in pixels, and a commit that a newer one replaces before
 * any frame is drawn is copied only where the newer one leaves it visible.
 * Until then the client's buffer is not released, and nothing draws the
 * store. A timer flushes what no frame did (a surface nothing shows). A GPU
 * renderer uploads when it makes the texture: there every commit gets a new
 * store and a whole copy, at once.
 */
#include <assert.h>
#include <drm_fourcc.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wayland-server-protocol.h>
#include <wlr/render/pixman.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "shm.h"

struct shm_client {
	struct wl_client *client;
	uint64_t bytes;
	uint32_t pools;
	struct wl_list pools_list; /* shm_pool.owner_link */
	struct wl_list surfaces; /* shm_surface.link */
	/* Its pixels copied into compositor memory: at most as many bytes as
	 * its pools may map (one pool's buffer committed on many surfaces is a
	 * store each, else without limit). */
	uint64_t store_bytes;
	struct wl_list stores; /* shm_store.client_link */
	struct wl_listener destroy;
	struct wl_list link; /* strata_shm.clients */
};

struct strata_shm {
	struct wl_global *global;
	struct wl_event_loop *event_loop;
	struct strata_shm_limits limits;
	uint32_t formats[16]; /* wl_shm format codes we advertise */
	size_t format_count;
	struct wl_list clients; /* shm_client.link */
	struct wl_listener new_surface; /* from wlr_compositor; notify NULL if not watched */
	struct wl_list deferred; /* shm_frame.deferred_link: copies for the next frame */
	/* The renderer reads a texture's pixels when it draws (pixman), not
	 * when it makes it (GPU uploads): stores are reused and copies
	 * deferred only then. */
	bool renderer_reads_late;
	struct wl_event_source *flush_timer;
};

/* The longest a deferred copy (and its buffer's release) waits for a frame. */
#define FLUSH_TIMEOUT_MS 20

/* A surface's pixels in compositor memory, shared by the frames showing them. */
struct shm_store {
	int refs; /* frames that use it */
	struct shm_surface *owner; /* the surface it is the latest of, or NULL */
	struct shm_client *client; /* whose budget it counts in; NULL once gone */
	struct wl_list client_link; /* shm_client.stores */
	void *data;
	size_t stride;
	int32_t width, height;
	uint32_t drm_format;
};

/* A wl_surface of a client, for its store. */
struct shm_surface {
	struct wlr_surface *surface;
	struct shm_store *store; /* its latest frame's, not a reference */
	struct wl_listener destroy;
	struct wl_list link; /* shm_client.surfaces; empty once the client is gone */
};

struct shm_pool {
	struct strata_shm *shm;
	struct shm_client *owner; /* may be NULL once the client is gone */
	struct wl_list owner_link;
	struct wl_resource *resource; /* may be NULL */
	struct wl_resource *shm_resource; /* may be NULL */
	struct wl_listener shm_resource_destroy;
	int fd;
	void *data;
	size_t size;
	int refs;
};

struct shm_buffer {
	struct wl_resource *resource;
	struct shm_pool *pool;
	int32_t offset, width, height, stride;
	uint32_t format; /* wl_shm */
	/* Frames (attaches) that may still read its memory: released at 0. */
	unsigned readers;
};

struct shm_frame {
	struct wlr_buffer base;
	struct wl_resource *buffer_resource; /* may be NULL */
	struct wl_listener buffer_destroy;
	struct shm_pool *pool; /* NULL once copied */
	int32_t offset, stride;
	uint32_t drm_format, bpp;
	struct shm_store *store; /* the pixels, once copied; a reference */
	/* Taken the store, its damage not copied yet (shm.c's top comment). */
	bool deferred;
	pixman_region32_t to_copy; /* buffer coordinates; set while deferred */
	struct wl_list deferred_link; /* strata_shm.deferred */
	bool failed, released;
	struct wl_event_source *drop_idle; /* until the producer's reference is dropped */
};

static const struct {
	uint32_t drm;
	uint32_t bpp;
} known_formats[] = {
	{ DRM_FORMAT_ARGB8888, 4 },
	{ DRM_FORMAT_XRGB8888, 4 },
	{ DRM_FORMAT_ABGR8888, 4 },
	{ DRM_FORMAT_XBGR8888, 4 },
	{ DRM_FORMAT_RGBA8888, 4 },
	{ DRM_FORMAT_RGBX8888, 4 },
	{ DRM_FORMAT_BGRA8888, 4 },
	{ DRM_FORMAT_BGRX8888, 4 },
	{ DRM_FORMAT_ARGB2101010, 4 },
	{ DRM_FORMAT_XRGB2101010, 4 },
	{ DRM_FORMAT_ABGR2101010, 4 },
	{ DRM_FORMAT_XBGR2101010, 4 },
	{ DRM_FORMAT_RGB565, 2 },
	{ DRM_FORMAT_BGR565, 2 },
};

static uint32_t
wl_to_drm(uint32_t wl_format)
{
	if (wl_format == WL_SHM_FORMAT_ARGB8888) {
		return DRM_FORMAT_ARGB8888;
	}
	if (wl_format == WL_SHM_FORMAT_XRGB8888) {
		return DRM_FORMAT_XRGB8888;
	}
	return wl_format; /* the other codes are the DRM fourccs */
}

static uint32_t
drm_to_wl(uint32_t drm_format)
{
	if (drm_format == DRM_FORMAT_ARGB8888) {
		return WL_SHM_FORMAT_ARGB8888;
	}
	if (drm_format == DRM_FORMAT_XRGB8888) {
		return WL_SHM_FORMAT_XRGB8888;
	}
	return drm_format;
}

uint32_t
shm_format_bpp(uint32_t wl_shm_format)
{
	uint32_t drm = wl_to_drm(wl_shm_format);
	for (size_t i = 0; i < sizeof(known_formats) / sizeof(known_formats[0]); i++) {
		if (known_formats[i].drm == drm) {
			return known_formats[i].bpp;
		}
	}
	return 0;
}

static bool
format_advertised(struct strata_shm *shm, uint32_t wl_format)
{
	for (size_t i = 0; i < shm->format_count; i++) {
		if (shm->formats[i] == wl_format) {
			return true;
		}
	}
	return false;
}

/* ---- the SIGBUS guard -------------------------------------------------- */

static struct {
	volatile sig_atomic_t active;
	volatile sig_atomic_t faulted;
	char *volatile start;
	volatile size_t len;
} guard;
static struct sigaction previous_sigbus;
static long page_size;
static int guard_users;

static void
handle_sigbus(int sig, siginfo_t *info, void *context)
{
	char *addr = info->si_addr;
	if (guard.active && addr >= guard.start && addr < guard.start + guard.len) {
		/* The client shrank its file under us: read zeros from here on. */
		uintptr_t page = (uintptr_t)addr & ~((uintptr_t)page_size - 1);
		if (mmap((void *)page, (size_t)page_size, PROT_READ,
				    MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
			guard.faulted = 1;
			return;
		}
	}
	/* Not a client pool: whatever handled SIGBUS before us decides. */
	if (previous_sigbus.sa_flags & SA_SIGINFO) {
		previous_sigbus.sa_sigaction(sig, info, context);
	} else if (previous_sigbus.sa_handler != SIG_DFL && previous_sigbus.sa_handler != SIG_IGN) {
		previous_sigbus.sa_handler(sig);
	} else {
		signal(SIGBUS, SIG_DFL);
		raise(SIGBUS);
	}
}

static bool
guard_install(void)
{
	if (guard_users++ > 0) {
		return true;
	}
	page_size = sysconf(_SC_PAGESIZE);
	struct sigaction action = {
		.sa_sigaction = handle_sigbus,
		.sa_flags = SA_SIGINFO | SA_NODEFER,
	};
	sigemptyset(&action.sa_mask);
	if (sigaction(SIGBUS, &action, &previous_sigbus) < 0) {
		guard_users--;
		return false;
	}
	return true;
}

static void
guard_uninstall(void)
{
	if (--guard_users == 0) {
		sigaction(SIGBUS, &previous_sigbus, NULL);
	}
}

/* Copies rows out of a client pool; false if the pool faulted. */
static bool
guarded_copy(struct shm_pool *pool, size_t offset, size_t src_stride, void *dst, size_t dst_stride,
		size_t row_bytes, size_t rows)
{
	guard.start = pool->data;
	guard.len = pool->size;
	guard.faulted = 0;
	guard.active = 1;
	const char *src = (const char *)pool->data + offset;
	for (size_t y = 0; y < rows && !guard.faulted; y++) {
		memcpy((char *)dst + y * dst_stride, src + y * src_stride, row_bytes);
	}
	guard.active = 0;
	return !guard.faulted;
}

/* ---- per-client accounting ------------------------------------------- */

static void
shm_client_handle_destroy(struct wl_listener *listener, void *data)
{
	struct shm_client *sc = wl_container_of(listener, sc, destroy);
	struct shm_pool *pool, *tmp;
	wl_list_for_each_safe(pool, tmp, &sc->pools_list, owner_link) {
		wl_list_remove(&pool->owner_link);
		wl_list_init(&pool->owner_link);
		pool->owner = NULL;
	}
	/* Its surfaces go later (libwayland destroys resources after the
	 * client's destroy signal); they free themselves then. */
	struct shm_surface *surface, *next;
	wl_list_for_each_safe(surface, next, &sc->surfaces, link) {
		wl_list_remove(&surface->link);
		wl_list_init(&surface->link);
	}
	/* Its stores live on while a texture shows them; counted no more. */
	struct shm_store *store, *store_tmp;
	wl_list_for_each_safe(store, store_tmp, &sc->stores, client_link) {
		wl_list_remove(&store->client_link);
		wl_list_init(&store->client_link);
		store->client = NULL;
	}
	wl_list_remove(&sc->destroy.link);
	wl_list_remove(&sc->link);
	free(sc);
}

static struct shm_client *
shm_client_get(struct strata_shm *shm, struct wl_client *client, bool create)
{
	struct wl_listener *listener =
			wl_client_get_destroy_listener(client, shm_client_handle_destroy);
	if (listener) {
		struct shm_client *sc = wl_container_of(listener, sc, destroy);
		return sc;
	}
	if (!create) {
		return NULL;
	}
	struct shm_client *sc = calloc(1, sizeof(*sc));
	if (!sc) {
		return NULL;
	}
	sc->client = client;
	wl_list_init(&sc->pools_list);
	wl_list_init(&sc->surfaces);
	wl_list_init(&sc->stores);
	sc->destroy.notify = shm_client_handle_destroy;
	wl_client_add_destroy_listener(client, &sc->destroy);
	wl_list_insert(&shm->clients, &sc->link);
	return sc;
}

uint64_t
shm_client_bytes(struct strata_shm *shm, struct wl_client *client)
{
	struct shm_client *sc = shm_client_get(shm, client, false);
	return sc ? sc->bytes : 0;
}

uint32_t
shm_client_pools(struct strata_shm *shm, struct wl_client *client)
{
	struct shm_client *sc = shm_client_get(shm, client, false);
	return sc ? sc->pools : 0;
}

/* ---- pools ------------------------------------------------------------- */

static void
pool_unref(struct shm_pool *pool)
{
	if (--pool->refs > 0) {
		return;
	}
	if (pool->owner) {
		pool->owner->bytes -= pool->size;
		pool->owner->pools--;
	}
	wl_list_remove(&pool->owner_link);
	if (pool->shm_resource) {
		wl_list_remove(&pool->shm_resource_destroy.link);
	}
	munmap(pool->data, pool->size);
	close(pool->fd);
	free(pool);
}

static void
pool_handle_shm_resource_destroy(struct wl_listener *listener, void *data)
{
	struct shm_pool *pool = wl_container_of(listener, pool, shm_resource_destroy);
	wl_list_remove(&pool->shm_resource_destroy.link);
	pool->shm_resource = NULL;
}

static const struct wl_buffer_interface buffer_impl;

static struct shm_buffer *
buffer_from_resource(struct wl_resource *resource)
{
	assert(wl_resource_instance_of(resource, &wl_buffer_interface, &buffer_impl));
	return wl_resource_get_user_data(resource);
}

static void
buffer_handle_destroy_request(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_buffer_interface buffer_impl = {
	.destroy = buffer_handle_destroy_request,
};

static void
buffer_handle_resource_destroy(struct wl_resource *resource)
{
	struct shm_buffer *buffer = buffer_from_resource(resource);
	pool_unref(buffer->pool);
	free(buffer);
}

static void
pool_handle_create_buffer(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		int32_t offset, int32_t width, int32_t height, int32_t stride, uint32_t format)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	struct strata_shm *shm = pool->shm;
	uint32_t bpp = shm_format_bpp(format);
	if (!bpp || !format_advertised(shm, format)) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FORMAT, "invalid format 0x%x",
				format);
		return;
	}
	if (width <= 0 || height <= 0 || offset < 0 || stride <= 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				"invalid buffer: offset %d, %dx%d, stride %d", offset, width,
				height, stride);
		return;
	}
	if (width > shm->limits.max_width || height > shm->limits.max_height) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				"buffer %dx%d exceeds the limit of %dx%d", width, height,
				shm->limits.max_width, shm->limits.max_height);
		return;
	}
	/* 64-bit arithmetic: none of these products can overflow. */
	if ((uint64_t)stride < (uint64_t)width * bpp) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				"stride %d is less than width %d times %u bytes per pixel", stride,
				width, bpp);
		return;
	}
	uint64_t end = (uint64_t)offset + (uint64_t)stride * (uint64_t)height;
	if (end > pool->size) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				"buffer ends at byte %llu, beyond the pool's %zu bytes",
				(unsigned long long)end, pool->size);
		return;
	}
	struct shm_buffer *buffer = calloc(1, sizeof(*buffer));
	if (!buffer) {
		wl_client_post_no_memory(client);
		return;
	}
	buffer->resource = wl_resource_create(client, &wl_buffer_interface, 1, id);
	if (!buffer->resource) {
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	buffer->pool = pool;
	buffer->offset = offset;
	buffer->width = width;
	buffer->height = height;
	buffer->stride = stride;
	buffer->format = format;
	pool->refs++;
	wl_resource_set_implementation(buffer->resource, &buffer_impl, buffer,
			buffer_handle_resource_destroy);
}

static bool
pool_check_file(struct wl_resource *resource, int fd, uint64_t size)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* memfds are regular files; pipes, sockets and devices are not. */
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				"the pool fd is not a memfd or a regular file");
		return false;
	}
	if ((uint64_t)st.st_size < size) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				"pool of %llu bytes is larger than its file (%lld bytes)",
				(unsigned long long)size, (long long)st.st_size);
		return false;
	}
	return true;
}

static void
pool_handle_resize(struct wl_client *client, struct wl_resource *resource, int32_t size)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	struct strata_shm *shm = pool->shm;
	if (size <= 0 || (size_t)size < pool->size) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				"pools can only grow: %d bytes after %zu", size, pool->size);
		return;
	}
	uint64_t grow = (uint64_t)size - pool->size;
	if (pool->owner && pool->owner->bytes + grow > shm->limits.max_bytes_per_client) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				"resizing to %d bytes exceeds this client's shm limit of %llu bytes",
				size, (unsigned long long)shm->limits.max_bytes_per_client);
		return;
	}
	if (!pool_check_file(resource, pool->fd, (uint64_t)size)) {
		return;
	}
	void *data = mremap(pool->data, pool->size, (size_t)size, MREMAP_MAYMOVE);
	if (data == MAP_FAILED) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD, "cannot map the pool");
		return;
	}
	pool->data = data;
	pool->size = (size_t)size;
	if (pool->owner) {
		pool->owner->bytes += grow;
	}
}

static void
pool_handle_destroy_request(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_shm_pool_interface pool_impl = {
	.create_buffer = pool_handle_create_buffer,
	.destroy = pool_handle_destroy_request,
	.resize = pool_handle_resize,
};

static void
pool_handle_resource_destroy(struct wl_resource *resource)
{
	struct shm_pool *pool = wl_resource_get_user_data(resource);
	pool->resource = NULL;
	pool_unref(pool);
}

static void
shm_handle_create_pool(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		int32_t fd, int32_t size)
{
	struct strata_shm *shm = wl_resource_get_user_data(resource);
	if (size <= 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				"invalid pool size %d", size);
		close(fd);
		return;
	}
	struct shm_client *sc = shm_client_get(shm, client, true);
	if (!sc) {
		close(fd);
		wl_client_post_no_memory(client);
		return;
	}
	if (sc->pools >= shm->limits.max_pools_per_client) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				"more than %u pools for one client",
				shm->limits.max_pools_per_client);
		close(fd);
		return;
	}
	if (sc->bytes + (uint64_t)size > shm->limits.max_bytes_per_client) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				"a pool of %d bytes exceeds this client's shm limit of %llu bytes",
				size, (unsigned long long)shm->limits.max_bytes_per_client);
		close(fd);
		return;
	}
	if (!pool_check_file(resource, fd, (uint64_t)size)) {
		close(fd);
		return;
	}
	struct shm_pool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		close(fd);
		wl_client_post_no_memory(client);
		return;
	}
	/* Read-only: the compositor never writes into client memory. */
	pool->data = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (pool->data == MAP_FAILED) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD, "cannot map the pool: %s",
				strerror(errno));
		close(fd);
		free(pool);
		return;
	}
	pool->resource = wl_resource_create(client, &wl_shm_pool_interface, 1, id);
	if (!pool->resource) {
		munmap(pool->data, (size_t)size);
		close(fd);
		free(pool);
		wl_client_post_no_memory(client);
		return;
	}
	pool->shm = shm;
	pool->fd = fd;
	pool->size = (size_t)size;
	pool->refs = 1;
	pool->owner = sc;
	wl_list_insert(&sc->pools_list, &pool->owner_link);
	sc->bytes += (uint64_t)size;
	sc->pools++;
	pool->shm_resource = resource;
	pool->shm_resource_destroy.notify = pool_handle_shm_resource_destroy;
	wl_resource_add_destroy_listener(resource, &pool->shm_resource_destroy);
	wl_resource_set_implementation(pool->resource, &pool_impl, pool,
			pool_handle_resource_destroy);
}

static const struct wl_shm_interface shm_impl = {
	.create_pool = shm_handle_create_pool,
};

static void
shm_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct strata_shm *shm = data;
	struct wl_resource *resource = wl_resource_create(client, &wl_shm_interface, 1, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &shm_impl, shm, NULL);
	for (size_t i = 0; i < shm->format_count; i++) {
		wl_shm_send_format(resource, shm->formats[i]);
	}
}

/* ---- stores and the surfaces they belong to ------------------------- */

/* A store for a frame of client's (NULL: a client gone, counted nowhere);
 * NULL when that would take the client's stores past its budget. */
static struct shm_store *
store_create(struct strata_shm *shm, struct shm_client *client, int32_t width, int32_t height,
		uint32_t drm_format, uint32_t bpp)
{
	size_t stride = (size_t)width * bpp, size = stride * (size_t)height;
	if (client && client->store_bytes + size > shm->limits.max_bytes_per_client) {
		wlr_log(WLR_INFO,
				"a frame of %zu bytes would take a client's copies past %llu bytes: "
				"not shown",
				size, (unsigned long long)shm->limits.max_bytes_per_client);
		return NULL;
	}
	struct shm_store *store = calloc(1, sizeof(*store));
	if (!store) {
		return NULL;
	}
	store->stride = stride;
	store->data = malloc(size);
	if (!store->data) {
		free(store);
		return NULL;
	}
	wl_list_init(&store->client_link);
	if (client) {
		store->client = client;
		client->store_bytes += size;
		wl_list_insert(&client->stores, &store->client_link);
	}
	store->width = width;
	store->height = height;
	store->drm_format = drm_format;
	return store;
}

/* The store stops being its surface's latest: it is never written again. */
static void
store_disown(struct shm_store *store)
{
	if (store->owner) {
		store->owner->store = NULL;
		store->owner = NULL;
	}
}

static void
store_unref(struct shm_store *store)
{
	if (!store || --store->refs > 0) {
		return;
	}
	store_disown(store);
	if (store->client) {
		store->client->store_bytes -= store->stride * (size_t)store->height;
	}
	wl_list_remove(&store->client_link);
	free(store->data);
	free(store);
}

static void
surface_handle_destroy(struct wl_listener *listener, void *data)
{
	struct shm_surface *surface = wl_container_of(listener, surface, destroy);
	if (surface->store) {
		store_disown(surface->store);
	}
	wl_list_remove(&surface->destroy.link);
	wl_list_remove(&surface->link);
	free(surface);
}

static void
handle_new_surface(struct wl_listener *listener, void *data)
{
	struct strata_shm *shm = wl_container_of(listener, shm, new_surface);
	struct wlr_surface *wlr_surface = data;
	struct shm_client *sc =
			shm_client_get(shm, wl_resource_get_client(wlr_surface->resource), true);
	struct shm_surface *surface = calloc(1, sizeof(*surface));
	if (!sc || !surface) {
		/* Its frames are then copied whole, every time: slower, as safe. */
		free(surface);
		wlr_log(WLR_ERROR, "out of memory: a surface's frames are copied whole");
		return;
	}
	surface->surface = wlr_surface;
	surface->destroy.notify = surface_handle_destroy;
	wl_signal_add(&wlr_surface->events.destroy, &surface->destroy);
	wl_list_insert(&sc->surfaces, &surface->link);
}

/*
 * The surface whose commit is reading frame now, or NULL: wlroots reads a
 * frame while it applies the commit (surface_apply_damage), with the frame
 * as the surface's current buffer.
 */
static struct shm_surface *
frame_committing_surface(struct shm_frame *frame, struct strata_shm *shm)
{
	if (!frame->buffer_resource) {
		return NULL;
	}
	struct shm_client *sc =
			shm_client_get(shm, wl_resource_get_client(frame->buffer_resource), false);
	if (!sc) {
		return NULL;
	}
	struct shm_surface *surface;
	wl_list_for_each(surface, &sc->surfaces, link) {
		if (surface->surface->current.buffer == &frame->base) {
			return surface;
		}
	}
	return NULL;
}

/*
 * Whether frame may write its damage into surface's store in place: the same
 * size and format, and the store is used only by the frame on screen, which
 * wlroots lets go as soon as this commit's texture exists (the surface holds
 * the only lock on its client buffer, and that buffer's pixman texture the
 * only lock on the frame). Nothing is drawn in between.
 */
static bool
store_can_take(struct shm_surface *surface, struct shm_frame *frame)
{
	struct shm_store *store = surface->store;
	if (!store || store->refs != 1 || store->width != frame->base.width ||
			store->height != frame->base.height ||
			store->drm_format != frame->drm_format) {
		return false;
	}
	struct wlr_client_buffer *shown = surface->surface->buffer;
	if (!shown || shown->base.n_locks != 1 || !shown->source ||
			shown->source->impl != frame->base.impl || shown->source->n_locks != 1) {
		return false;
	}
	return ((struct shm_frame *)shown->source)->store == store;
}

/* ---- the wlr_buffer wlroots gets ------------------------------------- */

static const struct wlr_buffer_impl frame_impl;

static struct shm_frame *
frame_from_buffer(struct wlr_buffer *buffer)
{
	assert(buffer->impl == &frame_impl);
	return (struct shm_frame *)buffer; /* base is the first member */
}

/* This frame is done with the client's memory; the wl_buffer is released
 * once no frame of it (the same buffer attached again) still needs it. */
static void
frame_release_client_buffer(struct shm_frame *frame)
{
	if (!frame->released && frame->buffer_resource) {
		struct shm_buffer *buffer = buffer_from_resource(frame->buffer_resource);
		if (--buffer->readers == 0) {
			wl_buffer_send_release(frame->buffer_resource);
		}
	}
	frame->released = true;
}

static void
frame_drop_pool(struct shm_frame *frame)
{
	if (frame->pool) {
		pool_unref(frame->pool);
		frame->pool = NULL;
	}
}

static void
frame_forget_copy(struct shm_frame *frame)
{
	if (frame->deferred) {
		frame->deferred = false;
		pixman_region32_fini(&frame->to_copy);
		wl_list_remove(&frame->deferred_link);
	}
}

static void
frame_destroy(struct wlr_buffer *wlr_buffer)
{
	struct shm_frame *frame = frame_from_buffer(wlr_buffer);
	/* Gone before any frame showed it: what it was to copy is moot. */
	frame_forget_copy(frame);
	frame_release_client_buffer(frame);
	wl_list_remove(&frame->buffer_destroy.link);
	frame_drop_pool(frame);
	store_unref(frame->store);
	free(frame);
}

static void
frame_fault(struct shm_frame *frame, struct shm_pool *pool)
{
	frame->failed = true;
	struct wl_resource *culprit =
			frame->buffer_resource ? frame->buffer_resource : pool->shm_resource;
	wlr_log(WLR_ERROR, "client shm pool faulted (file truncated): ending the client");
	if (culprit) {
		wl_resource_post_error(culprit, WL_SHM_ERROR_INVALID_FD,
				"error accessing the shm pool: its file was truncated");
	}
	frame_drop_pool(frame);
}

/* Copies region (buffer coordinates, inside the buffer) of frame's pool
 * into store; false if the pool faulted. */
static bool
copy_region(struct shm_frame *frame, struct shm_store *store, pixman_region32_t *region)
{
	int count;
	const pixman_box32_t *rects = pixman_region32_rectangles(region, &count);
	bool ok = true;
	for (int i = 0; i < count && ok; i++) {
		const pixman_box32_t *r = &rects[i];
		size_t x = (size_t)r->x1 * frame->bpp, y = (size_t)r->y1;
		ok = guarded_copy(frame->pool,
				(size_t)frame->offset + y * (size_t)frame->stride + x,
				(size_t)frame->stride, (char *)store->data + y * store->stride + x,
				store->stride, (size_t)(r->x2 - r->x1) * frame->bpp,
				(size_t)(r->y2 - r->y1));
	}
	return ok;
}

/* Done with the client's memory: it may have its buffer back. */
static void
frame_let_go(struct shm_frame *frame)
{
	frame_drop_pool(frame);
	frame_release_client_buffer(frame);
}

/* The deferred copy of frame, now; false if the pool faulted (the client
 * is then ended, and the store never serves as a base again). */
static bool
frame_finish_copy(struct shm_frame *frame)
{
	if (!frame->deferred) {
		return !frame->failed;
	}
	struct shm_pool *pool = frame->pool;
	bool ok = copy_region(frame, frame->store, &frame->to_copy);
	frame_forget_copy(frame);
	if (!ok) {
		store_disown(frame->store);
		frame_fault(frame, pool);
		return false;
	}
	frame_let_go(frame);
	return true;
}

void
shm_flush(struct strata_shm *shm)
{
	while (!wl_list_empty(&shm->deferred)) {
		struct shm_frame *frame = wl_container_of(shm->deferred.next, frame, deferred_link);
		frame_finish_copy(frame);
	}
}

static int
handle_flush_timer(void *data)
{
	shm_flush(data);
	return 0;
}

/* Windows' surfaces: nothing reads their texture but the frame drawn
 * (a cursor's is read at once, onto its plane). */
static bool
surface_defers(struct shm_surface *surface)
{
	return wlr_surface_is_xdg_surface(surface->surface) ||
			wlr_surface_is_subsurface(surface->surface);
}

static bool
frame_copy(struct shm_frame *frame)
{
	if (frame->store || frame->failed) {
		return frame->store != NULL;
	}
	struct shm_pool *pool = frame->pool;
	struct strata_shm *shm = pool->shm;
	struct shm_surface *surface = frame_committing_surface(frame, shm);
	if (surface && shm->renderer_reads_late && store_can_take(surface, frame)) {
		struct wlr_surface *wlr_surface = surface->surface;
		pixman_region32_t damage;
		pixman_region32_init(&damage);
		pixman_region32_intersect_rect(&damage, &wlr_surface->buffer_damage, 0, 0,
				(unsigned)frame->base.width, (unsigned)frame->base.height);
		/* The frame on screen goes with this commit: of its own copy, only
		 * what this one does not draw over is still needed. */
		struct shm_frame *shown = frame_from_buffer(wlr_surface->buffer->source);
		if (shown->deferred) {
			pixman_region32_subtract(&shown->to_copy, &shown->to_copy, &damage);
			if (!frame_finish_copy(shown)) {
				pixman_region32_fini(&damage);
				frame->failed = true;
				return false;
			}
		}
		struct shm_store *store = surface->store;
		store->refs++;
		frame->store = store;
		if (surface_defers(surface)) {
			frame->deferred = true;
			pixman_region32_init(&frame->to_copy);
			pixman_region32_copy(&frame->to_copy, &damage);
			pixman_region32_fini(&damage);
			if (wl_list_empty(&shm->deferred)) {
				wl_event_source_timer_update(shm->flush_timer, FLUSH_TIMEOUT_MS);
			}
			wl_list_insert(shm->deferred.prev, &frame->deferred_link);
			return true;
		}
		bool ok = copy_region(frame, store, &damage);
		pixman_region32_fini(&damage);
		if (!ok) {
			store_disown(store);
			frame_fault(frame, pool);
			return false;
		}
		frame_let_go(frame);
		return true;
	}
	struct shm_store *store = store_create(shm, pool->owner, frame->base.width,
			frame->base.height, frame->drm_format, frame->bpp);
	if (!store) {
		/* The surface's store missed this frame: the next frame must not
		 * copy only its damage into it. */
		if (surface && surface->store) {
			store_disown(surface->store);
		}
		frame->failed = true;
		return false;
	}
	/* The pool may have been resized since; the buffer's bounds were checked
	 * against a smaller size, and pools only grow. */
	bool ok = guarded_copy(pool, (size_t)frame->offset, (size_t)frame->stride, store->data,
			store->stride, store->stride, (size_t)store->height);
	store->refs++;
	if (!ok) {
		store_unref(store);
		frame_fault(frame, pool);
		return false;
	}
	if (surface) {
		if (surface->store) {
			store_disown(surface->store);
		}
		surface->store = store;
		store->owner = surface;
	}
	frame->store = store;
	/* Nothing reads the client's memory any more: it may reuse it now. */
	frame_let_go(frame);
	return true;
}

static bool
frame_begin_data_ptr_access(struct wlr_buffer *wlr_buffer, uint32_t flags, void **data,
		uint32_t *format, size_t *stride)
{
	struct shm_frame *frame = frame_from_buffer(wlr_buffer);
	if (flags & WLR_BUFFER_DATA_PTR_ACCESS_WRITE) {
		return false;
	}
	/* The first access makes the texture (a deferred copy waits for the
	 * frame drawn); any later one reads the pixels: they must be there. */
	bool first = !frame->store && !frame->failed;
	if (!frame_copy(frame) || (!first && !frame_finish_copy(frame))) {
		return false;
	}
	*data = frame->store->data;
	*format = frame->drm_format;
	*stride = frame->store->stride;
	return true;
}

static void
frame_end_data_ptr_access(struct wlr_buffer *wlr_buffer)
{
}

static const struct wlr_buffer_impl frame_impl = {
	.destroy = frame_destroy,
	.begin_data_ptr_access = frame_begin_data_ptr_access,
	.end_data_ptr_access = frame_end_data_ptr_access,
};

static void
frame_handle_buffer_destroy(struct wl_listener *listener, void *data)
{
	struct shm_frame *frame = wl_container_of(listener, frame, buffer_destroy);
	wl_list_remove(&frame->buffer_destroy.link);
	wl_list_init(&frame->buffer_destroy.link);
	frame->buffer_resource = NULL;
}

/*
 * A frame serves one attach. wlroots locks it when from_resource returns;
 * the producer's own reference (wlr_buffer_init's) goes right after, so the
 * frame and its copy are freed as soon as wlroots is done with them.
 */
static void
frame_drop_idle(void *data)
{
	struct shm_frame *frame = data;
	frame->drop_idle = NULL;
	wlr_buffer_drop(&frame->base);
}

static bool
resource_is_shm_buffer(struct wl_resource *resource)
{
	return wl_resource_instance_of(resource, &wl_buffer_interface, &buffer_impl);
}

static struct wlr_buffer *
frame_from_resource(struct wl_resource *resource)
{
	struct shm_buffer *buffer = buffer_from_resource(resource);
	struct shm_frame *frame = calloc(1, sizeof(*frame));
	if (!frame) {
		return NULL;
	}
	wlr_buffer_init(&frame->base, &frame_impl, buffer->width, buffer->height);
	frame->buffer_resource = resource;
	buffer->readers++;
	frame->buffer_destroy.notify = frame_handle_buffer_destroy;
	wl_resource_add_destroy_listener(resource, &frame->buffer_destroy);
	frame->pool = buffer->pool;
	frame->pool->refs++;
	frame->offset = buffer->offset;
	frame->stride = buffer->stride;
	frame->drm_format = wl_to_drm(buffer->format);
	frame->bpp = shm_format_bpp(buffer->format);
	frame->drop_idle = wl_event_loop_add_idle(frame->pool->shm->event_loop, frame_drop_idle,
			frame);
	if (!frame->drop_idle) {
		/* Nothing was read: no release to send for this one. */
		buffer->readers--;
		frame->released = true;
		frame_destroy(&frame->base);
		return NULL;
	}
	return &frame->base;
}

static const struct wlr_buffer_resource_interface frame_resource_interface = {
	.name = "strata_shm",
	.is_instance = resource_is_shm_buffer,
	.from_resource = frame_from_resource,
};

/* ---- setup ------------------------------------------------------------- */

struct strata_shm *
shm_create(struct wl_display *display, struct wlr_renderer *renderer,
		const struct strata_shm_limits *limits)
{
	static bool interface_registered;
	struct strata_shm *shm = calloc(1, sizeof(*shm));
	if (!shm) {
		return NULL;
	}
	shm->limits = *limits;
	shm->event_loop = wl_display_get_event_loop(display);
	shm->renderer_reads_late = wlr_renderer_is_pixman(renderer);
	wl_list_init(&shm->clients);
	wl_list_init(&shm->deferred);
	shm->flush_timer = wl_event_loop_add_timer(shm->event_loop, handle_flush_timer, shm);
	if (!shm->flush_timer) {
		free(shm);
		return NULL;
	}
	size_t len = 0;
	const uint32_t *formats = wlr_renderer_get_shm_texture_formats(renderer, &len);
	for (size_t i = 0; i < len && shm->format_count < 16; i++) {
		uint32_t wl_format = drm_to_wl(formats[i]);
		if (shm_format_bpp(wl_format)) {
			shm->formats[shm->format_count++] = wl_format;
		}
	}
	if (!guard_install()) {
		wl_event_source_remove(shm->flush_timer);
		free(shm);
		return NULL;
	}
	shm->global = wl_global_create(display, &wl_shm_interface, 1, shm, shm_bind);
	if (!shm->global) {
		guard_uninstall();
		wl_event_source_remove(shm->flush_timer);
		free(shm);
		return NULL;
	}
	/* wlroots has no way to unregister one: register once per process. */
	if (!interface_registered) {
		wlr_buffer_register_resource_interface(&frame_resource_interface);
		interface_registered = true;
	}
	return shm;
}

void
shm_watch_surfaces(struct strata_shm *shm, struct wlr_compositor *compositor)
{
	shm->new_surface.notify = handle_new_surface;
	wl_signal_add(&compositor->events.new_surface, &shm->new_surface);
}

struct wl_global *
shm_get_global(struct strata_shm *shm)
{
	return shm->global;
}

void
shm_destroy(struct strata_shm *shm)
{
	if (!shm) {
		return;
	}
	/* Clients are gone by now (server_finish destroys them first). */
	struct shm_client *sc, *tmp;
	wl_list_for_each_safe(sc, tmp, &shm->clients, link) {
		shm_client_handle_destroy(&sc->destroy, NULL);
	}
	if (shm->new_surface.notify) {
		wl_list_remove(&shm->new_surface.link);
	}
	/* Their frames went with the clients' surfaces; should one be left,
	 * it is not to be copied any more. */
	while (!wl_list_empty(&shm->deferred)) {
		struct shm_frame *frame = wl_container_of(shm->deferred.next, frame, deferred_link);
		frame_forget_copy(frame);
	}
	wl_event_source_remove(shm->flush_timer);
	wl_global_destroy(shm->global);
	guard_uninstall();
	free(shm);
}
