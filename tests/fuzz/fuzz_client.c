// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the compositor's handling of a level client's byte
 * stream: the real strata, started once per process the way main() and
 * tests/wlcs start it (compositor/startup.c: headless backend, pixman, no
 * cages, one level "low"), and per input one client of level low, accepted
 * through levels_accept_client from a socketpair as a connection to the
 * level's socket is. Its requests are what the input says; the compositor's
 * event loop runs (wl_display_flush_clients, wl_event_loop_dispatch with
 * timeout 0) until it has read everything, then the client is disconnected
 * and the compositor must be back where it was: no client, no window, no
 * focus, no fd left (abort() otherwise).
 *
 * Input:
 *   byte 0, flags: bit 0 no prologue (the input starts at the registry)
 *   the prologue, unless bit 0: wl_display.get_registry (id 2), then a bind
 *     of each level global the registry announced, in the order of
 *     fuzz_client_globals[], as ids 3, 4, ... (those not announced are
 *     skipped: the next one takes the id)
 *   then operations until the input ends, each a byte (its value mod 8):
 *     0  request: a byte for the object (0: id 0, else 1 + (b - 1) mod the
 *        ids in use), a byte for the opcode (mod the requests of the
 *        object's interface), then the arguments, encoded from the input by
 *        the interface's signature (cage-proxy's tables, which know every
 *        level interface): int, uint, fixed 4 bytes (0xfffffff0: the serial
 *        of the last xdg_surface.configure, 0xfffffff1: of the last enter,
 *        button or key event, as the harness read them from the events
 *        sent to the client); object a byte as above;
 *        new_id the next free id (assigned here: the id rule is libwayland's,
 *        not the compositor's); string a length byte (0: null) and the bytes
 *        plus a NUL; array a length byte and the bytes; fd a memfd made here
 *        (a byte: its size in 256-byte steps; the fuzzer cannot pass fds,
 *        so every fd argument, wl_shm.create_pool's, wl_data_offer.receive's,
 *        is one of these, kept open by the harness until the input ends so
 *        that operation 6 can shrink it under the compositor's mapping).
 *        An object the compositor does
 *        not have, or of an unknown interface, gets a raw message: a length
 *        byte and that many 4-byte words.
 *     1  raw bytes: a length byte and the bytes, as they are (framing)
 *     2  a frame of the output (wlr_output_send_frame): frame callbacks,
 *        presentation feedback, the deferred shm copies
 *     3  pointer motion to (8 x, 8 y), two bytes
 *     4  left button press or release (a byte: bit 0)
 *     5  a letter key press or release (a byte: the key mod 26, bit 7 up)
 *     6  truncate the last memfd sent (a byte: its new size, 256-byte steps)
 *     7  a roundtrip of the event loop only (one more dispatch)
 *
 * Determinism. Timers of the compositor that run on wall time:
 *   - the headless output's frame timer (wlroots, 60 Hz): the harness sets
 *     the output's refresh to 1 mHz once at start (a frame every 1,000 s,
 *     never during a run of inputs) and sends frames itself (operation 2);
 *   - shm.c's flush timer (20 ms) for copies no frame made: the frames
 *     above flush them first; it fires within an input only when that
 *     input runs longer than 20 ms with a copy pending;
 *   - notice.c's 8 s timer: the notice is cleared after each input
 *     (notice_finish), its timer with it;
 *   - the lock's idle timer: off ([lock] idle_seconds = 0); its clock and
 *     auth timers run only when locked, which a level client cannot do;
 *   - clipboard.c's 10 s writer timer and the transfer's timers: only when
 *     a selection is sent between levels, which needs the core; and no
 *     clipboard guard process runs (its start, failure and restart run on
 *     their own clock);
 *   - headless: no sleep watch, hence no bus timer;
 *   - left as they are: wlroots' xdg-activation tokens, which a commit
 *     detaches from their client, live 30 s on a timer of their own
 *     (wlroots 0.15): a token of an earlier input may expire during a
 *     later one. It is random (no input can name it) and its expiry runs
 *     no code of strata's. And wlroots' xdg_wm_base ping timer is armed
 *     only when the compositor pings, which strata does not.
 * Injected keys and buttons still pressed at the end are released, and the
 * pointer is put back at (0, 0), before the client goes. What stays from
 * input to input: the display's serial and the client ids count on, global
 * names do not change.
 *
 * Hand-made seeds: tests/fuzz/client_seeds.py. FUZZ_CLIENT_DEBUG=1 prints
 * the binds, the protocol errors the compositor sent and what the client
 * left (windows, focus).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/input-event-codes.h>
#include <linux/sockios.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/interfaces/wlr_output.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>
#include "output.h"
#include "protocol.h"
#include "seat.h"
#include "server.h"
#include "startup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CLIENT_OUTPUT "640x480"
#define FUZZ_CLIENT_MAX_FDS 16
#define FUZZ_CLIENT_MAX_IDS 512
#define FUZZ_CLIENT_MAX_PUMPS 64
/* An int or uint argument of these values is sent as the serial of the last
 * xdg_surface.configure, or of the last enter, button or key event. */
#define FUZZ_CLIENT_CONFIGURE_SERIAL 0xfffffff0u
#define FUZZ_CLIENT_INPUT_SERIAL 0xfffffff1u

/* The level globals a prologue binds, in this order, at most this version. */
static const struct {
	const char *interface;
	uint32_t version;
} fuzz_client_globals[] = {
	{ "wl_compositor", 4 },
	{ "wl_subcompositor", 1 },
	{ "wl_shm", 1 },
	{ "wl_seat", 7 },
	{ "wl_output", 4 },
	{ "xdg_wm_base", 3 },
	{ "wl_data_device_manager", 3 },
	{ "zwp_primary_selection_device_manager_v1", 1 },
	{ "wp_viewporter", 1 },
	{ "wp_presentation", 1 },
	{ "zxdg_decoration_manager_v1", 1 },
	{ "org_kde_kwin_server_decoration_manager", 1 },
	{ "xdg_activation_v1", 1 },
	{ "zwp_idle_inhibit_manager_v1", 1 },
	{ "zwp_pointer_constraints_v1", 1 },
	{ "zwp_pointer_gestures_v1", 3 },
	{ "zwp_relative_pointer_manager_v1", 1 },
	{ "zwp_text_input_manager_v3", 1 },
	{ "zxdg_exporter_v2", 1 },
	{ "zxdg_importer_v2", 1 },
	{ "zxdg_output_manager_v1", 3 },
};

/* The keys operation 5 presses: letters only, so that no shortcut of the
 * compositor's runs (evdev codes are in keyboard order, hence a table). */
static const uint32_t fuzz_client_letters[26] = { KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G,
	KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T,
	KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z };

/* The compositor, for the whole process. */
static struct {
	bool started;
	struct strata_server server;
	struct wlr_output *output;
	char dir[64];
	bool debug; /* FUZZ_CLIENT_DEBUG: binds and protocol errors on stderr */
} fuzz;

/* One input's client. */
struct fuzz_client {
	struct wl_client *client; /* NULL once the compositor let it go */
	struct wl_listener destroy;
	int fd; /* our end */
	int server_fd; /* the compositor's end (the wl_client owns it) */
	uint32_t next_id;
	int memfds[FUZZ_CLIENT_MAX_FDS];
	size_t memfd_count;
	bool button_down;
	bool keys_down[26];
	/* What came back, not yet parsed (a message cut in two by a read). */
	uint8_t received[65536];
	size_t received_len;
	/* Learnt from the events: the globals announced (for the prologue) and
	 * the serials a client answers with. */
	struct {
		uint32_t name, version;
		char interface[64];
	} globals[64];
	size_t global_count;
	uint32_t configure_serial; /* the last xdg_surface.configure */
	uint32_t input_serial; /* the last enter, button or key */
};

/* A cursor over the input. */
struct fuzz_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static void
fuzz_client_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-client: %s\n", what);
		abort();
	}
}

static bool
input_byte(struct fuzz_input *in, uint8_t *b)
{
	if (in->pos >= in->size) {
		return false;
	}
	*b = in->data[in->pos++];
	return true;
}

static bool
input_u32(struct fuzz_input *in, uint32_t *v)
{
	if (in->size - in->pos < 4) {
		in->pos = in->size;
		return false;
	}
	memcpy(v, in->data + in->pos, 4);
	in->pos += 4;
	return true;
}

/* The open fds, but /dev/urandom: wlroots opens it at its first
 * xdg-activation token and keeps it for the process (util/token.c). */
static int
count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	fuzz_client_check(dir != NULL, "cannot list /proc/self/fd");
	int count = 0;
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] == '.') {
			continue;
		}
		char path[300], target[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", ent->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		count += strcmp(target, "/dev/urandom") != 0;
	}
	closedir(dir);
	return count;
}

/* FUZZ_CLIENT_DEBUG: what the open fds are. */
static void
list_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	fuzz_client_check(dir != NULL, "cannot list /proc/self/fd");
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		char path[300], target[256];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", ent->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "fuzz-client: fd %s: %s\n", ent->d_name, target);
	}
	closedir(dir);
}

static void
remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	if (dir) {
		struct dirent *ent;
		while ((ent = readdir(dir))) {
			if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) {
				continue;
			}
			char child[512];
			snprintf(child, sizeof(child), "%s/%s", path, ent->d_name);
			if (unlink(child) < 0) {
				remove_tree(child);
			}
		}
		closedir(dir);
	}
	rmdir(path);
}

static void
fuzz_client_exit(void)
{
	if (fuzz.started) {
		startup_close(&fuzz.server);
		fuzz.started = false;
	}
	remove_tree(fuzz.dir);
}

static bool
write_config(const char *path)
{
	FILE *f = fopen(path, "we");
	if (!f) {
		return false;
	}
	fputs("; Generated by tests/fuzz/fuzz_client.c: one level, low.\n"
	      "[level low]\n"
	      "colour = #2e7d32\n"
	      "[lock]\n"
	      "user = root\n"
	      "idle_seconds = 0\n",
			f);
	return fclose(f) == 0;
}

/* The compositor, once: as tests/wlcs starts it, with the output's frames
 * in the harness's hands (see the top of the file). */
static void
fuzz_client_start(void)
{
	fuzz.debug = getenv("FUZZ_CLIENT_DEBUG") != NULL;
	snprintf(fuzz.dir, sizeof(fuzz.dir), "/tmp/strata-fuzz-client.XXXXXX");
	fuzz_client_check(mkdtemp(fuzz.dir) != NULL, "cannot make a directory");
	atexit(fuzz_client_exit);
	char config_path[128], runtime_dir[128], data_dir[128];
	snprintf(config_path, sizeof(config_path), "%s/strata.ini", fuzz.dir);
	snprintf(runtime_dir, sizeof(runtime_dir), "%s/run", fuzz.dir);
	snprintf(data_dir, sizeof(data_dir), "%s/data", fuzz.dir);
	fuzz_client_check(write_config(config_path), "cannot write the configuration");
	struct strata_startup startup = {
		.config_path = config_path,
		.headless = FUZZ_CLIENT_OUTPUT,
		.runtime_dir = runtime_dir,
		.data_dir = data_dir,
		.cages = false,
		.test_control = false,
		.quiet = true,
		.auth_helper = STRATA_AUTH_PATH,
		/* No clipboard guard: it serves transfers between levels, which
		 * only the core starts; a child that starts, fails and ends on its
		 * own clock would come and go in the middle of inputs. */
		.clipboard_guard = "",
	};
	struct strata_server *server = &fuzz.server;
	wlr_log_init(fuzz.debug ? WLR_INFO : WLR_SILENT, NULL);
	config_set_defaults(&server->config);
	fuzz_client_check(config_load_file(&server->config, config_path, NULL, NULL) &&
					startup_open(server, &startup) &&
					startup_start(server, &startup),
			"strata did not start");
	fuzz.started = true;
	fuzz_client_check(!wl_list_empty(&server->outputs), "no output");
	struct strata_output *output = wl_container_of(server->outputs.next, output, link);
	fuzz.output = output->wlr_output;
	/* A frame every 1,000 s: the timer, armed for 16 ms, fires once more
	 * and then waits that long. */
	wlr_output_set_custom_mode(fuzz.output, fuzz.output->width, fuzz.output->height, 1);
	fuzz_client_check(wlr_output_commit(fuzz.output), "cannot slow the output down");
	for (int i = 0; i < 10; i++) {
		wl_display_flush_clients(server->display);
		wl_event_loop_dispatch(server->event_loop, 10);
	}
	seat_inject_motion(server->seat, 0, 0);
	wl_event_loop_dispatch(server->event_loop, 0);
}

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct fuzz_client *c = wl_container_of(listener, c, destroy);
	wl_list_remove(&c->destroy.link);
	c->client = NULL;
}

/* One event: what the harness learns from it. */
static void
learn_from_event(struct fuzz_client *c, uint32_t id, uint32_t opcode, const uint8_t *args,
		size_t len)
{
	if (len < 4) {
		return;
	}
	uint32_t first;
	memcpy(&first, args, 4);
	if (id == 1 && opcode == 0 && fuzz.debug && len >= 12) {
		/* wl_display.error (the client may be gone): object, code, message */
		uint32_t code, str_len;
		memcpy(&code, args + 4, 4);
		memcpy(&str_len, args + 8, 4);
		fprintf(stderr, "fuzz-client: error on object %u, code %u: %.*s\n", first, code,
				(int)(len - 12 < str_len ? len - 12 : str_len),
				(const char *)args + 12);
		return;
	}
	struct wl_resource *resource = c->client ? wl_client_get_object(c->client, id) : NULL;
	if (!resource) {
		return;
	}
	const char *class = wl_resource_get_class(resource);
	if (strcmp(class, "wl_registry") == 0 && opcode == 0 && len >= 12 &&
			c->global_count < sizeof(c->globals) / sizeof(c->globals[0])) {
		/* global: name, interface, version */
		uint32_t str_len;
		memcpy(&str_len, args + 4, 4);
		size_t padded = ((size_t)str_len + 3) & ~(size_t)3;
		if (str_len == 0 || str_len > sizeof(c->globals[0].interface) ||
				8 + padded + 4 > len || args[8 + str_len - 1] != '\0') {
			return;
		}
		memcpy(c->globals[c->global_count].interface, args + 8, str_len);
		c->globals[c->global_count].name = first;
		memcpy(&c->globals[c->global_count].version, args + 8 + padded, 4);
		c->global_count++;
	} else if (strcmp(class, "xdg_surface") == 0 && opcode == 0) {
		c->configure_serial = first;
	} else if ((strcmp(class, "wl_pointer") == 0 && (opcode <= 1 || opcode == 3)) ||
			(strcmp(class, "wl_keyboard") == 0 && opcode >= 1 && opcode <= 4) ||
			(strcmp(class, "wl_touch") == 0 && opcode <= 1)) {
		c->input_serial = first;
	}
}

/* The whole events received so far. */
static void
parse_events(struct fuzz_client *c)
{
	size_t pos = 0;
	while (c->received_len - pos >= 8) {
		uint32_t header[2];
		memcpy(header, c->received + pos, sizeof(header));
		size_t len = header[1] >> 16;
		if (len < 8 || len % 4 != 0) {
			/* Not libwayland's: nothing more to learn. */
			pos = c->received_len;
			break;
		}
		if (len > c->received_len - pos) {
			break;
		}
		learn_from_event(c, header[0], header[1] & 0xffff, c->received + pos + 8, len - 8);
		pos += len;
	}
	memmove(c->received, c->received + pos, c->received_len - pos);
	c->received_len -= pos;
}

/* Reads what the compositor sent; fds it passed (keymaps) are closed. */
static void
drain(struct fuzz_client *c)
{
	for (;;) {
		uint8_t buf[16384];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		union {
			char buf[CMSG_SPACE(sizeof(int) * 28)];
			struct cmsghdr align;
		} control;
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0) {
			return;
		}
		for (struct cmsghdr *m = CMSG_FIRSTHDR(&mh); m; m = CMSG_NXTHDR(&mh, m)) {
			if (m->cmsg_level == SOL_SOCKET && m->cmsg_type == SCM_RIGHTS) {
				size_t count = (m->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t i = 0; i < count; i++) {
					int received;
					memcpy(&received, CMSG_DATA(m) + i * sizeof(int),
							sizeof(int));
					close(received);
				}
			}
		}
		for (size_t pos = 0; pos < (size_t)n;) {
			size_t room = sizeof(c->received) - c->received_len;
			size_t take = (size_t)n - pos < room ? (size_t)n - pos : room;
			memcpy(c->received + c->received_len, buf + pos, take);
			c->received_len += take;
			pos += take;
			parse_events(c);
		}
	}
}

/* The event loop until the compositor has read all we sent (or let the
 * client go), and what it sent us read. */
static void
pump(struct fuzz_client *c)
{
	struct strata_server *server = &fuzz.server;
	for (int i = 0; i < FUZZ_CLIENT_MAX_PUMPS; i++) {
		wl_display_flush_clients(server->display);
		wl_event_loop_dispatch(server->event_loop, 0);
		wl_display_flush_clients(server->display);
		drain(c);
		int unread = 0;
		if (!c->client || ioctl(c->server_fd, SIOCINQ, &unread) < 0 || unread == 0) {
			break;
		}
	}
	/* Idle sources the last dispatch added. */
	wl_event_loop_dispatch(server->event_loop, 0);
	wl_display_flush_clients(server->display);
	drain(c);
}

/* Sends one message, with fds; false once the compositor hung up. */
static bool
send_message(struct fuzz_client *c, const void *bytes, size_t len, const int *fds, size_t fd_count)
{
	if (!c->client) {
		return false;
	}
	struct iovec iov = { .iov_base = (void *)bytes, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int) * FUZZ_CLIENT_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd_count > 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
		struct cmsghdr *m = CMSG_FIRSTHDR(&mh);
		m->cmsg_level = SOL_SOCKET;
		m->cmsg_type = SCM_RIGHTS;
		m->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
		memcpy(CMSG_DATA(m), fds, sizeof(int) * fd_count);
	}
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			/* The compositor reads when it runs. */
			pump(c);
			if (!c->client) {
				return false;
			}
			continue;
		}
		if (n < 0) {
			return false;
		}
		sent += (size_t)n;
		iov.iov_base = (uint8_t *)bytes + sent;
		iov.iov_len = len - sent;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	return true;
}

/* A memfd of size bytes, kept until the input ends; -1 when there are enough. */
static int
make_memfd(struct fuzz_client *c, size_t size)
{
	if (c->memfd_count >= FUZZ_CLIENT_MAX_FDS) {
		return -1;
	}
	int fd = memfd_create("fuzz-client", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	fuzz_client_check(fd >= 0, "memfd_create");
	fuzz_client_check(ftruncate(fd, (off_t)size) == 0, "ftruncate");
	c->memfds[c->memfd_count++] = fd;
	return fd;
}

static uint32_t
object_id(struct fuzz_client *c, uint8_t b)
{
	return b == 0 ? 0 : 1 + (uint32_t)(b - 1) % (c->next_id - 1);
}

/* A message buffer: header first, then words. */
struct fuzz_message {
	uint32_t words[1024];
	size_t len; /* in words */
	int fds[FUZZ_CLIENT_MAX_FDS];
	size_t fd_count;
};

static bool
message_put(struct fuzz_message *m, const void *bytes, size_t len)
{
	size_t words = (len + 3) / 4;
	if (words == 0) {
		return true;
	}
	if (m->len + words > sizeof(m->words) / sizeof(m->words[0])) {
		return false;
	}
	m->words[m->len + words - 1] = 0;
	memcpy(&m->words[m->len], bytes, len);
	m->len += words;
	return true;
}

static bool
message_put_u32(struct fuzz_message *m, uint32_t v)
{
	return message_put(m, &v, sizeof(v));
}

/* The arguments of request r, from the input; false if it ran out. */
static bool
encode_arguments(struct fuzz_client *c, struct fuzz_input *in, const struct wire_message *r,
		struct fuzz_message *m)
{
	for (size_t i = 0; i < r->arg_count; i++) {
		uint8_t b = 0;
		uint32_t v = 0;
		switch (r->args[i].type) {
		case WIRE_ARG_INT:
		case WIRE_ARG_UINT:
		case WIRE_ARG_FIXED:
			if (!input_u32(in, &v)) {
				return false;
			}
			/* Serials the client cannot know in advance. */
			if (v == FUZZ_CLIENT_CONFIGURE_SERIAL) {
				v = c->configure_serial;
			} else if (v == FUZZ_CLIENT_INPUT_SERIAL) {
				v = c->input_serial;
			}
			if (!message_put_u32(m, v)) {
				return false;
			}
			break;
		case WIRE_ARG_OBJECT:
			if (!input_byte(in, &b) || !message_put_u32(m, object_id(c, b))) {
				return false;
			}
			break;
		case WIRE_ARG_NEW_ID:
			if (c->next_id >= FUZZ_CLIENT_MAX_IDS ||
					!message_put_u32(m, c->next_id++)) {
				return false;
			}
			break;
		case WIRE_ARG_STRING: {
			if (!input_byte(in, &b)) {
				return false;
			}
			uint8_t len = b;
			if (in->size - in->pos < len) {
				return false;
			}
			if (len == 0) {
				if (!message_put_u32(m, 0)) {
					return false;
				}
				break;
			}
			char text[257];
			memcpy(text, in->data + in->pos, len);
			text[len] = '\0';
			in->pos += len;
			if (!message_put_u32(m, (uint32_t)len + 1) ||
					!message_put(m, text, (size_t)len + 1)) {
				return false;
			}
			break;
		}
		case WIRE_ARG_ARRAY:
			if (!input_byte(in, &b) || in->size - in->pos < b ||
					!message_put_u32(m, b) ||
					(b > 0 && !message_put(m, in->data + in->pos, b))) {
				return false;
			}
			in->pos += b;
			break;
		case WIRE_ARG_FD: {
			if (!input_byte(in, &b)) {
				return false;
			}
			int fd = make_memfd(c, (size_t)b * 256);
			if (fd < 0) {
				return false;
			}
			m->fds[m->fd_count++] = fd;
			break;
		}
		default:
			return false;
		}
	}
	return true;
}

/* Operation 0: one request, built from the object's signature. */
static bool
op_request(struct fuzz_client *c, struct fuzz_input *in)
{
	uint8_t object_byte, opcode_byte;
	if (!input_byte(in, &object_byte) || !input_byte(in, &opcode_byte)) {
		return false;
	}
	uint32_t id = object_id(c, object_byte);
	struct wl_resource *resource =
			c->client && id != 0 ? wl_client_get_object(c->client, id) : NULL;
	const struct wire_interface *iface =
			resource ? wire_interface_lookup(wl_resource_get_class(resource)) : NULL;
	if (id == 1) {
		iface = &wire_iface_wl_display;
	}
	struct fuzz_message m = { .len = 2 };
	uint32_t opcode = opcode_byte;
	if (iface && iface->request_count > 0) {
		opcode = opcode_byte % iface->request_count;
		if (!encode_arguments(c, in, &iface->requests[opcode], &m)) {
			return false;
		}
	} else {
		/* Unknown to the tables (or gone): raw words. */
		uint8_t words;
		if (!input_byte(in, &words) || in->size - in->pos < (size_t)words * 4 ||
				!message_put(&m, in->data + in->pos, (size_t)words * 4)) {
			return false;
		}
		in->pos += (size_t)words * 4;
	}
	m.words[0] = id;
	m.words[1] = (uint32_t)(m.len * 4) << 16 | (opcode & 0xffff);
	return send_message(c, m.words, m.len * 4, m.fds, m.fd_count);
}

static void
send_get_registry(struct fuzz_client *c)
{
	uint32_t msg[3] = { 1, 12 << 16 | 1, 2 };
	send_message(c, msg, sizeof(msg), NULL, 0);
	c->next_id = 3;
}

/* The prologue: the registry, and a bind of each level global it shows. */
static void
prologue(struct fuzz_client *c)
{
	send_get_registry(c);
	pump(c);
	for (size_t g = 0; g < sizeof(fuzz_client_globals) / sizeof(fuzz_client_globals[0]); g++) {
		for (size_t i = 0; i < c->global_count; i++) {
			if (strcmp(c->globals[i].interface, fuzz_client_globals[g].interface) !=
					0) {
				continue;
			}
			uint32_t version = c->globals[i].version;
			if (version > fuzz_client_globals[g].version) {
				version = fuzz_client_globals[g].version;
			}
			const char *interface = c->globals[i].interface;
			struct fuzz_message m = { .len = 2 };
			message_put_u32(&m, c->globals[i].name);
			message_put_u32(&m, (uint32_t)strlen(interface) + 1);
			message_put(&m, interface, strlen(interface) + 1);
			message_put_u32(&m, version);
			if (fuzz.debug) {
				fprintf(stderr, "fuzz-client: %s version %u as id %u\n", interface,
						version, c->next_id);
			}
			message_put_u32(&m, c->next_id++);
			m.words[0] = 2;
			m.words[1] = (uint32_t)(m.len * 4) << 16 | 0;
			send_message(c, m.words, m.len * 4, NULL, 0);
			break;
		}
	}
	pump(c);
}

static void
run_operations(struct fuzz_client *c, struct fuzz_input *in)
{
	struct strata_server *server = &fuzz.server;
	uint8_t op, a, b;
	while (c->client && input_byte(in, &op)) {
		switch (op % 8) {
		case 0:
			if (!op_request(c, in)) {
				return;
			}
			break;
		case 1:
			if (!input_byte(in, &a)) {
				return;
			}
			if (in->size - in->pos < a) {
				a = (uint8_t)(in->size - in->pos);
			}
			send_message(c, in->data + in->pos, a, NULL, 0);
			in->pos += a;
			break;
		case 2:
			wlr_output_send_frame(fuzz.output);
			break;
		case 3:
			if (!input_byte(in, &a) || !input_byte(in, &b)) {
				return;
			}
			seat_inject_motion(server->seat, a * 8.0, b * 8.0);
			break;
		case 4:
			if (!input_byte(in, &a)) {
				return;
			}
			if ((bool)(a & 1) != c->button_down) {
				c->button_down = a & 1;
				seat_inject_button(server->seat, BTN_LEFT, c->button_down);
			}
			break;
		case 5: {
			if (!input_byte(in, &a)) {
				return;
			}
			size_t key = (a & 0x7f) % 26;
			bool press = !(a & 0x80);
			if (press != c->keys_down[key]) {
				c->keys_down[key] = press;
				seat_inject_key(server->seat, fuzz_client_letters[key], press);
			}
			break;
		}
		case 6:
			if (!input_byte(in, &a)) {
				return;
			}
			if (c->memfd_count > 0) {
				fuzz_client_check(ftruncate(c->memfds[c->memfd_count - 1],
								  (off_t)a * 256) == 0,
						"ftruncate");
			}
			break;
		case 7:
			break;
		}
		pump(c);
	}
}

/* The compositor after the client went: as it was before it came. */
static void
check_clean(int fds_before)
{
	struct strata_server *server = &fuzz.server;
	struct wlr_seat *wlr_seat = server->seat->wlr_seat;
	fuzz_client_check(wl_list_empty(&server->clients), "a client is left");
	fuzz_client_check(wl_list_empty(&server->views), "a view is left");
	fuzz_client_check(seat_focused_view(server->seat) == NULL, "a view has the focus");
	fuzz_client_check(wlr_seat->keyboard_state.focused_surface == NULL,
			"a surface has the keyboard");
	fuzz_client_check(wlr_seat->pointer_state.focused_surface == NULL,
			"a surface has the pointer");
	fuzz_client_check(wlr_seat->keyboard_state.focused_client == NULL &&
					wlr_seat->pointer_state.focused_client == NULL,
			"a client has a focus");
	fuzz_client_check(wl_list_empty(&wlr_seat->clients), "a seat client is left");
	if (count_fds() != fds_before && fuzz.debug) {
		list_fds();
	}
	fuzz_client_check(count_fds() == fds_before, "an fd is left");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz.started) {
		fuzz_client_start();
	}
	struct strata_server *server = &fuzz.server;
	/* Counted per input: the sanitizers open fds of their own between
	 * inputs (the symbolizer's pipes, at the first leak report). */
	int fds_before = count_fds();
	struct fuzz_input in = { .data = data, .size = size };
	uint8_t flags = 0;
	input_byte(&in, &flags);

	struct fuzz_client *c = calloc(1, sizeof(*c));
	fuzz_client_check(c != NULL, "out of memory");
	int pair[2];
	fuzz_client_check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0,
			"socketpair");
	c->fd = pair[0];
	c->server_fd = pair[1];
	c->next_id = 2;
	c->client = levels_accept_client(server, pair[1], 0);
	fuzz_client_check(c->client != NULL, "levels_accept_client");
	c->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(c->client, &c->destroy);

	if (flags & 1) {
		pump(c);
	} else {
		prologue(c);
	}
	run_operations(c, &in);

	if (fuzz.debug) {
		fprintf(stderr, "fuzz-client: %d windows, focus on level %d\n",
				wl_list_length(&server->views), seat_focused_level(server->seat));
	}
	/* Back to where the input started: input released, the client gone. */
	for (size_t key = 0; key < 26; key++) {
		if (c->keys_down[key]) {
			seat_inject_key(server->seat, fuzz_client_letters[key], false);
		}
	}
	if (c->button_down) {
		seat_inject_button(server->seat, BTN_LEFT, false);
	}
	seat_inject_motion(server->seat, 0, 0);
	if (c->client) {
		wl_client_destroy(c->client);
	} else if (fuzz.debug) {
		fprintf(stderr, "fuzz-client: the compositor disconnected the client\n");
	}
	close(c->fd);
	for (size_t i = 0; i < c->memfd_count; i++) {
		close(c->memfds[i]);
	}
	for (int i = 0; i < 4; i++) {
		wl_event_loop_dispatch(server->event_loop, 0);
		wl_display_flush_clients(server->display);
	}
	notice_finish(server);
	free(c);
	check_clean(fds_before);
	return 0;
}
