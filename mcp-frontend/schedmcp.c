/* schedmcp.c: main of the MCP front-end: stdio in, collectord behind, no privileges needed. */
#include "build-config.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector-client.h"
#include "collector-link.h"
#include "events-stream.h"
#include "log.h"
#include "macro.h"
#include "mcp-server.h"
#include "prompts.h"
#include "resources.h"
#include "schedmcp.h"
#include "stdio-transport.h"
#include "templates.h"
#include "tools.h"

#define MAX_LINE_DEFAULT (16u << 20)
#define COLLECTOR_TIMEOUT_MS 30000

static const char instructions[] =
	"schedmcp shows what the Linux scheduler is doing on this machine. Start with "
	"topology://info to learn the CPUs, LLCs and NUMA nodes, and scheduler://current for the "
	"scheduler; the prompts (summarize_system first) are ready-made investigations. Answers are kept "
	"within an answer budget: lists are paged, and a cut answer says how to get the rest.";

/* A CPU with a trace across it, 32x32, for the clients that show icons. */
static const char icon[] =
	"data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMC"
	"AzMiAzMiI+PHJlY3QgeD0iNiIgeT0iNiIgd2lkdGg9IjIwIiBoZWlnaHQ9IjIwIiByeD0iMyIgZmlsbD0iIzJiNmNiMCIvPj"
	"xwYXRoIGQ9Ik0xMSAydjRNMTYgMnY0TTIxIDJ2NE0xMSAyNnY0TTE2IDI2djRNMjEgMjZ2NE0yIDExaDRNMiAxNmg0TTIgMj"
	"FoNE0yNiAxMWg0TTI2IDE2aDRNMjYgMjFoNCIgc3Ryb2tlPSIjMmI2Y2IwIiBzdHJva2Utd2lkdGg9IjIiLz48cGF0aCBkPS"
	"JNMTAgMjBsNC04IDQgNSA0LTciIHN0cm9rZT0iI2ZmZiIgc3Ryb2tlLXdpZHRoPSIyIiBmaWxsPSJub25lIi8+PC9zdmc+";

static void maybe_finish(struct schedmcp *s)
{
	/* --oneshot: initialize plus one request. After EOF: once every
	 * request read has been answered. */
	if (s->oneshot && mcp_server_answered(s->server) >= 2 && mcp_server_pending(s->server) == 0)
		event_base_loopbreak(s->base);
	else if (s->stdin_closed && mcp_server_pending(s->server) == 0)
		event_base_loopbreak(s->base);
}

static int on_write(void *userdata, const char *line, size_t len)
{
	struct schedmcp *s = userdata;
	int r = stdio_transport_write(s->io, line, len);

	if (r < 0) {
		log_info("stdout closed (%s), exiting", strerror(-r));
		event_base_loopbreak(s->base);
	}
	return r;
}

static void on_line(void *userdata, const char *line, size_t len)
{
	struct schedmcp *s = userdata;

	mcp_server_handle_line(s->server, line, len);
	maybe_finish(s);
}

static void on_too_long(void *userdata, size_t limit)
{
	struct schedmcp *s = userdata;

	mcp_server_line_too_long(s->server, limit);
}

static void on_drain_check(evutil_socket_t fd, short what, void *userdata)
{
	maybe_finish(userdata);
}

static void on_eof(void *userdata)
{
	struct schedmcp *s = userdata;
	struct timeval tv = { .tv_usec = 50000 };

	s->stdin_closed = true;
	log_debug("stdin closed; %u requests still owed an answer", mcp_server_pending(s->server));
	/* Answers still in flight come back from the collector; check for
	 * the moment they are all out. */
	s->drain_ev = event_new(s->base, -1, EV_PERSIST, on_drain_check, s);
	if (!s->drain_ev || event_add(s->drain_ev, &tv) < 0)
		event_base_loopbreak(s->base);
	maybe_finish(s);
}

static void help(void)
{
	printf("Usage: schedmcp [OPTIONS]\n"
	       "MCP server (stdio) for the Linux scheduler, backed by collectord.\n\n"
	       "  --socket PATH       collectord socket (default $COLLECTORD_SOCKET, else %s)\n"
	       "  --log-level LEVEL   stderr log level: error, warning, info, debug (default warning)\n"
	       "  --oneshot           answer initialize and one request, then exit\n"
	       "  --max-line BYTES    longest accepted message (default %u)\n"
	       "  --max-answer-tokens N  answer budget in tokens, 4 bytes each (default %u, at least %u)\n"
	       "  --version           print the version\n"
	       "  --help              this text\n",
	       DEFAULT_SOCKET_PATH, MAX_LINE_DEFAULT, MCP_DEFAULT_ANSWER_TOKENS, MCP_MIN_ANSWER_TOKENS);
}

struct options {
	const char *socket;
	bool oneshot;
	size_t max_line;
	unsigned max_answer_tokens;
};

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "oneshot", no_argument, NULL, '1' },
		{ "max-line", required_argument, NULL, 'm' },
		{ "max-answer-tokens", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, level;

	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'l':
			level = log_level_from_string(optarg);
			if (level < 0)
				return log_error_errno(-EINVAL, "bad --log-level '%s'", optarg);
			log_set_max_level(level);
			break;
		case '1':
			o->oneshot = true;
			break;
		case 'm': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);

			if (*end || *optarg == '-' || v < 1024 || v > (1ULL << 30))
				return log_error_errno(-EINVAL, "bad --max-line '%s' (1024..1073741824)", optarg);
			o->max_line = (size_t)v;
			break;
		}
		case 't': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);

			if (*end || *optarg == '-' || v < MCP_MIN_ANSWER_TOKENS || v > 1000000)
				return log_error_errno(-EINVAL, "bad --max-answer-tokens '%s' (%u..1000000)", optarg,
						       MCP_MIN_ANSWER_TOKENS);
			o->max_answer_tokens = (unsigned)v;
			break;
		}
		case 'V':
			printf("schedmcp %s\n", PROJECT_VERSION);
			return 0;
		case 'h':
			help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "unexpected argument '%s'", argv[optind]);
	return 1;
}

static struct event_base *event_base_for_stdio(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *b;

	if (!cfg)
		return NULL;
	/* epoll refuses regular files; poll takes a stdin redirected from one. */
	event_config_avoid_method(cfg, "epoll");
	b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return b;
}

int main(int argc, char **argv)
{
	struct options o = { .max_line = MAX_LINE_DEFAULT };
	struct schedmcp s = { 0 };
	int r;

	log_setup("schedmcp", LOG_WARNING);
	r = parse_args(argc, argv, &o);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	s.oneshot = o.oneshot;
	signal(SIGPIPE, SIG_IGN);

	s.base = event_base_for_stdio();
	if (!s.base)
		return log_error_errno(-ENOMEM, "cannot create the event loop"), 1;
	r = collector_link_new(s.base, collector_socket_path(o.socket), COLLECTOR_TIMEOUT_MS, &s.link);
	if (r < 0)
		goto finish;
	r = mcp_server_new(&(struct mcp_server_config){
				   .name = "schedmcp",
				   .title = "Linux scheduler (schedmcp)",
				   .version = PROJECT_VERSION,
				   .instructions = instructions,
				   .icon = icon,
				   .resources = schedmcp_resources,
				   .n_resources = schedmcp_n_resources,
				   .templates = schedmcp_templates,
				   .n_templates = schedmcp_n_templates,
				   .tools = schedmcp_tools,
				   .n_tools = schedmcp_n_tools,
				   .prompts = schedmcp_prompts,
				   .n_prompts = schedmcp_n_prompts,
				   .max_answer_tokens = o.max_answer_tokens,
				   .app = &s,
				   .write = on_write,
				   .write_userdata = &s,
			   },
			   &s.server);
	if (r < 0)
		goto finish;
	r = stdio_transport_new(s.base, STDIN_FILENO, STDOUT_FILENO, o.max_line,
				&(struct stdio_callbacks){ .line = on_line, .too_long = on_too_long,
							   .eof = on_eof, .userdata = &s },
				&s.io);
	if (r < 0)
		goto finish;
	if (event_base_dispatch(s.base) < 0)
		r = -EIO;
finish:
	if (r < 0)
		log_error_errno(r, "schedmcp failed: %m");
	/* Subscriptions end while the link their hooks use is alive; then
	 * the link: its pending callbacks still answer through the server. */
	if (s.server)
		mcp_server_unsubscribe_all(s.server);
	events_stream_free(&s);
	collector_link_free(s.link);
	mcp_server_free(s.server);
	stdio_transport_free(s.io);
	if (s.drain_ev)
		event_free(s.drain_ev);
	if (s.base)
		event_base_free(s.base);
	return r < 0 ? 1 : 0;
}
