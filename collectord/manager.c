/* manager.c: collectord's state and loop: socket, signals, watchdog, idle exit, data sources. */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "aggregate.h"
#include "calls.h"
#include "feed.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "peer.h"
#include "sampler.h"
#include "profile.h"
#include "render-cache.h"
#include "schedagg.h"
#include "schedstats.h"

#define SOCKET_BACKLOG 128

uint64_t now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int resolve_socket_group(const struct manager_options *opt, gid_t *ret)
{
	struct group *g;

	if (opt->socket_group) {
		g = getgrnam(opt->socket_group);
		if (!g)
			return log_error_errno(-ENOENT, "socket group '%s' does not exist", opt->socket_group);
		*ret = g->gr_gid;
		return 0;
	}
	g = getgrnam("collectord");
	if (!g) {
		log_warning("group 'collectord' does not exist; only root can connect "
			    "(create it with 'systemd-sysusers' or 'groupadd --system collectord')");
		*ret = 0;
		return 0;
	}
	*ret = g->gr_gid;
	return 0;
}

/* A socket file nobody listens on is left over from a crash: remove it.
 * One that answers belongs to a running collector: refuse to steal it. */
static int remove_stale_socket(const struct sockaddr_un *sa)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return -EADDRINUSE;
	if (errno == ENOENT)
		return 0;
	if (errno != ECONNREFUSED)
		return -errno;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int make_parent_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int bind_socket(struct manager *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = m->opt.socket_path;
	_cleanup_close_ int fd = -1;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	r = make_parent_dir(path);
	if (r < 0)
		return log_error_errno(r, "cannot create the directory of %s: %m", path);
	r = remove_stale_socket(&sa);
	if (r == -EADDRINUSE)
		return log_error_errno(r, "another collectord is serving %s", path);
	if (r < 0)
		return log_error_errno(r, "cannot remove stale socket %s: %m", path);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(-errno, "socket(): %m");
	/* Bind under a restrictive umask, then widen: never a moment where
	 * the socket is open to more than it will be. */
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return log_error_errno(-errno, "bind(%s): %m", path);
	m->socket_owned = true;
	if (chown(path, (uid_t)-1, m->socket_gid) < 0)
		return log_error_errno(-errno, "chown(%s): %m", path);
	if (chmod(path, m->opt.socket_mode) < 0)
		return log_error_errno(-errno, "chmod(%s): %m", path);
	if (listen(fd, SOCKET_BACKLOG) < 0)
		return log_error_errno(-errno, "listen(%s): %m", path);
	snprintf(m->socket_path, sizeof(m->socket_path), "%s", path);
	m->listen_fd = TAKE_FD(fd);
	return 0;
}

static int take_activated_socket(struct manager *m)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	struct stat st;
	int n = sd_listen_fds(1), fd;

	if (n <= 0)
		return n;
	if (n > 1)
		return log_error_errno(-EINVAL, "expected one socket from systemd, got %d", n);
	fd = SD_LISTEN_FDS_START;
	if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0)
		return log_error_errno(-EINVAL, "the socket passed by systemd is not a listening "
					       "AF_UNIX SOCK_SEQPACKET socket");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return -errno;
	m->listen_fd = fd;
	m->socket_activated = true;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0 && len > offsetof(struct sockaddr_un, sun_path))
		snprintf(m->socket_path, sizeof(m->socket_path), "%.*s",
			 (int)(len - offsetof(struct sockaddr_un, sun_path)), sa.sun_path);
	/* The group that may read is the socket file's own group. */
	if (m->socket_path[0] && stat(m->socket_path, &st) == 0)
		m->socket_gid = st.st_gid;
	return 1;
}

static void on_accept_resume(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	event_add(m->listen_ev, NULL);
}

/* Out of file descriptors: the listening socket stays readable, so keep
 * accepting and the loop spins. Pause accepting for a moment instead; the
 * kernel keeps new clients in the backlog meanwhile. */
static void accept_pause(struct manager *m)
{
	struct timeval tv = { .tv_usec = 200000 };

	event_del(m->listen_ev);
	if (!m->accept_resume_ev)
		m->accept_resume_ev = evtimer_new(m->base, on_accept_resume, m);
	if (!m->accept_resume_ev || evtimer_add(m->accept_resume_ev, &tv) < 0)
		event_add(m->listen_ev, NULL); /* better spin than go deaf */
}

static void on_accept(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	for (int i = 0; i < 16; i++) {
		int c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (c < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warning("accept: %s; pausing new clients for 200 ms", strerror(errno));
				accept_pause(m);
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
				log_warning("accept: %s", strerror(errno));
			}
			return;
		}
		if (m->idle_ev)
			event_del(m->idle_ev);
		peer_accept(m, c);
	}
}

static void on_stop_signal(evutil_socket_t sig, short what, void *userdata)
{
	struct manager *m = userdata;

	log_info("received %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(m->base);
}

static void on_reload_signal(evutil_socket_t sig, short what, void *userdata)
{
	_cleanup_free_ char *error = NULL;
	struct manager *m = userdata;

	manager_reload(m, &error);
}

static void on_watchdog(evutil_socket_t fd, short what, void *userdata)
{
	sd_notify(0, "WATCHDOG=1");
}

static void on_idle(evutil_socket_t fd, short what, void *userdata)
{
	struct manager *m = userdata;

	if (m->nr_peers > 0)
		return;
	log_info("idle for %u s, exiting", m->opt.exit_on_idle_sec);
	event_base_loopbreak(m->base);
}

static void arm_idle(struct manager *m)
{
	struct timeval tv = { .tv_sec = m->opt.exit_on_idle_sec };

	if (m->idle_ev && m->nr_peers == 0)
		event_add(m->idle_ev, &tv);
}

void manager_peer_gone(struct manager *m, struct peer *p)
{
	/* A burst of clients leaves glibc's heap grown (replies, queues): hand it back to the
	 * system when the last one leaves, so an idle collectord is small again. */
	if (m->nr_peers == 0)
		malloc_trim(0);
	arm_idle(m);
}

int manager_reload(struct manager *m, char **ret_error)
{
	struct config c;
	int r;

	r = config_load(m->opt.config_path, &c, ret_error);
	if (r < 0) {
		log_error("configuration not reloaded, keeping the running one: %s",
			  ret_error && *ret_error ? *ret_error : strerror(-r));
		return r;
	}
	m->config = c;
	if (m->sampler && sampler_set_interval(m->sampler, c.interval_msec) < 0)
		log_warning("keeping the old sampling interval: out of memory resizing the sample ring");
	if (m->aggregate && aggregate_set_interval(m->aggregate, c.interval_msec) < 0)
		log_warning("keeping the old aggregation interval: out of memory resizing the window ring");
	log_info("configuration reloaded from %s", m->opt.config_path);
	return 0;
}

int manager_new(const struct manager_options *opt, struct manager **ret)
{
	_cleanup_free_ char *error = NULL;
	struct manager *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->opt = *opt;
	m->listen_fd = -1;
	m->start_mono_ns = now_mono_ns();
	LIST_INIT(&m->peers);
	LIST_INIT(&m->calls);
	r = config_load(opt->config_path, &m->config, &error);
	if (r < 0) {
		log_error("bad configuration: %s", error ? error : strerror(-r));
		free(m);
		return r;
	}
	m->base = event_base_new();
	if (!m->base) {
		free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

static int add_signal(struct manager *m, int sig, event_callback_fn fn, struct event **ret)
{
	*ret = evsignal_new(m->base, sig, fn, m);
	if (!*ret || evsignal_add(*ret, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static void start_bpf(struct manager *m)
{
	int r;

	if (m->opt.no_bpf) {
		snprintf(m->schedagg_error, sizeof(m->schedagg_error), "disabled by --no-bpf");
		return;
	}
	r = schedagg_start(&(struct schedagg_opts){
				   .prefer_btf = m->features.f[FEATURE_TP_BTF].available && !m->opt.force_raw_tp,
				   .max_tasks = m->config.max_tasks,
				   .ring_bytes = m->config.ring_buffer_bytes,
				   .root = m->opt.sysfs_root,
			   },
			   &m->schedagg);
	if (r < 0) {
		snprintf(m->schedagg_error, sizeof(m->schedagg_error), "loading schedagg failed: %s",
			 strerror(-r));
		log_error_errno(r, "loading the scheduler BPF programs failed: %m; serving without them");
		return;
	}
	log_info("scheduler tracing attached via %s", schedagg_attach_kind(m->schedagg));
	r = aggregate_new(m->schedagg, m->base, m->config.interval_msec, &m->aggregate);
	if (r < 0)
		log_error_errno(r, "starting the aggregation timer failed: %m; stats://aggregated is unavailable");
	r = feed_new(m, &m->feed);
	if (r < 0)
		log_error_errno(r, "setting up the live event feed failed: %m; it is unavailable");
}

/* Only running out of memory stops it: a /proc file that cannot be read is
 * reported by the resources that need it. */
static int start_sampler(struct manager *m)
{
	int r;

	r = sampler_new(m->opt.sysfs_root, m->config.interval_msec, &m->sampler);
	if (r >= 0)
		r = sampler_start(m->sampler, m->base);
	if (r < 0)
		return log_error_errno(r, "starting the /proc sampler failed: %m");
	return 0;
}

int manager_start(struct manager *m)
{
	int r;

	features_probe(&m->features, m->opt.sysfs_root, m->opt.sysfs_root[0] == 0 && !m->opt.no_bpf);
	for (unsigned i = 0; i < FEATURE_MAX; i++)
		if (!m->features.f[i].available)
			log_info("feature %s unavailable: %s", feature_to_string(i), m->features.f[i].detail);

	r = take_activated_socket(m);
	if (r < 0)
		return r;
	if (r == 0) {
		r = resolve_socket_group(&m->opt, &m->socket_gid);
		if (r < 0)
			return r;
		r = bind_socket(m);
		if (r < 0)
			return r;
	}
	start_bpf(m);
	r = start_sampler(m);
	if (r < 0)
		return r;

	m->listen_ev = event_new(m->base, m->listen_fd, EV_READ | EV_PERSIST, on_accept, m);
	if (!m->listen_ev || event_add(m->listen_ev, NULL) < 0)
		return -ENOMEM;
	r = add_signal(m, SIGTERM, on_stop_signal, &m->sig_term);
	if (r >= 0)
		r = add_signal(m, SIGINT, on_stop_signal, &m->sig_int);
	if (r >= 0)
		r = add_signal(m, SIGHUP, on_reload_signal, &m->sig_hup);
	if (r < 0)
		return r;

	if (sd_watchdog_enabled(0, &m->watchdog_usec) > 0) {
		struct timeval tv = { .tv_sec = (time_t)(m->watchdog_usec / 2 / 1000000),
				      .tv_usec = (suseconds_t)(m->watchdog_usec / 2 % 1000000) };

		m->watchdog_ev = event_new(m->base, -1, EV_PERSIST, on_watchdog, m);
		if (!m->watchdog_ev || event_add(m->watchdog_ev, &tv) < 0)
			return -ENOMEM;
	}
	if (m->opt.exit_on_idle_sec) {
		m->idle_ev = evtimer_new(m->base, on_idle, m);
		if (!m->idle_ev)
			return -ENOMEM;
		arm_idle(m);
	}
	log_info("listening on %s%s", m->socket_path, m->socket_activated ? " (socket activation)" : "");
	return 0;
}

int manager_run(struct manager *m)
{
	sd_notifyf(0, "READY=1\nSTATUS=Serving on %s; sched_switch via %s", m->socket_path,
		   m->schedagg ? schedagg_attach_kind(m->schedagg) : "nothing (BPF not loaded)");
	if (event_base_dispatch(m->base) < 0)
		return -EIO;
	sd_notify(0, "STOPPING=1");
	return 0;
}

void manager_free(struct manager *m)
{
	if (!m)
		return;
	calls_cancel_all(m);
	while (!LIST_EMPTY(&m->peers))
		peer_free(LIST_FIRST(&m->peers));
	profiler_free(m->profiler);
	schedstats_dsqlive_free(m);
	feed_free(m->feed);
	aggregate_free(m->aggregate);
	schedagg_stop(m->schedagg);
	sampler_free(m->sampler);
	render_cache_free(m->render_cache);
	bpfstats_free(m);
	if (m->listen_ev)
		event_free(m->listen_ev);
	if (m->socket_owned && m->socket_path[0])
		unlink(m->socket_path);
	safe_close(m->listen_fd);
	struct event *events[] = { m->sig_term, m->sig_int, m->sig_hup, m->watchdog_ev, m->idle_ev,
				   m->accept_resume_ev };
	for (size_t i = 0; i < ELEMENTSOF(events); i++)
		if (events[i])
			event_free(events[i]);
	if (m->base)
		event_base_free(m->base);
	free(m);
}
