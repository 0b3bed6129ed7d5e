/* test-mcp-server.c: unit tests for mcp-server.c, driven line by line with a capturing write callback. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syslog.h>

#include "json-util.h"
#include "jsonrpc.h"
#include "mcp-server.h"
#include "test-util.h"

/* What the server wrote, one serialized message per entry. */
struct out {
	char *lines[64];
	size_t n, taken;
	unsigned calls;
	int fail;	/* the write callback's return when nonzero */
	size_t max_len; /* every line at most this long, when nonzero */
};

struct app {
	struct mcp_request *held; /* a request test://later did not answer yet */
	int cancels;		  /* cancel hooks run */
	bool cancel_completes;	  /* the hook answers the request (as collector_link_cancel does) */
	int responses;		  /* answers to our requests to the client */
	json_t *response;
	int subscribes, unsubscribes;
	int subscribe_fail; /* the subscribe hook's return when nonzero */
	int uri_subscribes, uri_unsubscribes; /* of test://feed{?who,rate} URIs */
	char uri_subscribed[128];	      /* the last one's URI and its who */
	char who[32];
};

static int write_line(void *userdata, const char *line, size_t len)
{
	struct out *o = userdata;

	o->calls++;
	if (o->fail)
		return o->fail;
	if (o->n >= ELEMENTSOF(o->lines))
		abort();
	CHECK(memchr(line, '\n', len) == NULL);
	CHECK(len <= o->max_len || o->max_len == 0);
	o->lines[o->n] = strndup(line, len);
	if (!o->lines[o->n])
		abort();
	o->n++;
	return 0;
}

static void out_done(struct out *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->lines[i]);
	memset(o, 0, sizeof(*o));
}

static void read_now(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	json_t *body = json_pack("{s:s}", "hello", (const char *)res->data);

	mcp_request_reply_resource(req, res->uri, body);
	json_decref(body);
}

static void read_later(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	struct app *a = app;

	a->held = req;
}

static struct app *cancel_app;

static void cancel_hook(void *userdata)
{
	struct mcp_request *req = userdata;

	cancel_app->cancels++;
	if (cancel_app->cancel_completes) {
		cancel_app->held = NULL;
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "cancelled", NULL);
	}
}

/* Holds the request with a cancel hook, as collector_request() does. */
static void read_cancellable(struct mcp_request *req, const struct mcp_resource *res, void *app)
{
	struct app *a = app;

	cancel_app = a;
	a->held = req;
	mcp_request_set_cancel(req, cancel_hook, req);
}

static int subscribe_hook(const struct mcp_resource *res, void *app, char **ret_error)
{
	struct app *a = app;

	if (a->subscribe_fail) {
		*ret_error = strdup("the stream cannot start; start collectord");
		return a->subscribe_fail;
	}
	a->subscribes++;
	return 0;
}

static void unsubscribe_hook(const struct mcp_resource *res, void *app)
{
	struct app *a = app;

	a->unsubscribes++;
}

static const struct mcp_resource resources[] = {
    {"test://hello", "hello", "Hello", "Says hello.", "application/json", read_now, "world", NULL, NULL},
    {"test://later", "later", "Later", "Answers later.", "application/json", read_later, NULL, NULL, NULL},
    {"test://untitled", "untitled", NULL, "Has no title.", "application/json", read_now, "plain", NULL, NULL},
    {"test://live", "live", "Live", "Changes.", "application/json", read_now, "live", subscribe_hook,
     unsubscribe_hook},
    {"test://cancellable", "cancellable", "Cancellable", "Waits until cancelled.", "application/json",
     read_cancellable, NULL, NULL, NULL},
};

static void tool_echo(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args, void *app)
{
	if (json_object_get(args, "fail")) {
		mcp_request_tool_error(req, "the echo failed; try again without fail");
		return;
	}
	mcp_request_reply_tool(req, json_pack("{s:O}", "echo", json_object_get(args, "n")));
}

/* n items of about 100 bytes each, from offset. */
static void tool_big(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args, void *app)
{
	json_int_t n = json_integer_value(json_object_get(args, "n"));
	json_int_t off = json_integer_value(json_object_get(args, "offset"));
	json_t *items = json_array();

	for (json_int_t i = off; i < off + n; i++)
		json_array_append_new(
		    items,
		    json_pack(
			"{s:I, s:s}", "i", i, "pad",
			"................................................................................"));
	mcp_request_reply_tool(req, json_pack("{s:I, s:o}", "total", n, "items", items));
}

static void tool_hold(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args, void *app)
{
	struct app *a = app;

	a->held = req;
}

static const struct mcp_tool tools[] = {
    {"echo", "Echo", "Echoes n.",
     "{'type':'object','properties':{'n':{'type':'integer','maximum':9},'fail':{'type':'boolean'}},"
     "'required':['n'],'additionalProperties':false}",
     "{'type':'object','properties':{'echo':{'type':'integer'}}}", MCP_TOOL_READ_ONLY, tool_echo, NULL},
    {"big", "Big", "n items.",
     "{'type':'object','properties':{'n':{'type':'integer'},'offset':{'type':'integer'}},'required':['n']}",
     "{'type':'object'}", MCP_TOOL_READ_ONLY, tool_big, NULL},
    {"hold", "Hold", "Answers when the test says.", "{'type':'object'}", "{'type':'object'}", 0, tool_hold,
     NULL},
};

static void read_item(struct mcp_request *req, const struct mcp_resource_template *t, const char *uri,
		      const json_t *vars, void *app)
{
	mcp_request_reply_resource(req, uri, vars);
}

static int complete_colors(const char *argument, const char *prefix, const json_t *context, void *app,
			   json_t *values)
{
	static const char *const colors[] = {"red", "green", "grey", NULL};

	for (const char *const *c = colors; *c; c++)
		if (strncmp(*c, prefix, strlen(prefix)) == 0)
			json_array_append_new(values, json_string(*c));
	/* The context reaches the completer. */
	if (json_object_get(context, "shade"))
		json_array_append_new(values, json_string("shaded"));
	return 0;
}

/* test://feed{?who,rate}: refuses who=nobody as a bad argument, as a hook that validates further does. */
static int feed_subscribe(const struct mcp_resource_template *t, const char *uri, const json_t *vars, void *app,
			  char **ret_error)
{
	struct app *a = app;
	const char *who = json_string_value(json_object_get(vars, "who"));

	if (who && strcmp(who, "nobody") == 0) {
		*ret_error = strdup("who: nobody cannot be followed");
		return -EINVAL;
	}
	a->uri_subscribes++;
	snprintf(a->uri_subscribed, sizeof(a->uri_subscribed), "%s", uri);
	snprintf(a->who, sizeof(a->who), "%s", who ? who : "");
	return 0;
}

static void feed_unsubscribe(const struct mcp_resource_template *t, const char *uri, void *app)
{
	struct app *a = app;

	a->uri_unsubscribes++;
	snprintf(a->uri_subscribed, sizeof(a->uri_subscribed), "-%s", uri);
}

static const struct mcp_resource_template templates[] = {
    {"test://item/{id}{?verbose,mode}", "item", "Item", "One item.", "application/json",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":1},"
     "\"verbose\":{\"type\":\"boolean\"},\"mode\":{\"type\":\"string\",\"enum\":[\"fast\",\"full\"]}},"
     "\"required\":[\"id\"]}",
     read_item, NULL, NULL, NULL, NULL},
    {"test://color/{name}", "color", NULL, "A color.", "application/json", NULL, read_item, complete_colors,
     NULL, NULL, NULL},
    {"test://feed{?who,rate}", "feed", "Feed", "A subscribable feed per URI.", "application/json",
     "{\"type\":\"object\",\"properties\":{\"who\":{\"type\":\"string\"},"
     "\"rate\":{\"type\":\"integer\",\"minimum\":1}},\"additionalProperties\":false}",
     read_item, NULL, NULL, feed_subscribe, feed_unsubscribe},
};

static void get_prompt(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *app)
{
	char text[128];

	snprintf(text, sizeof(text), "look at %s", json_string_value(json_object_get(args, "what")) ?: "all");
	mcp_request_reply_prompt(req, "a look", text);
}

static int check_even(const char *value, char *err, size_t err_size)
{
	if (strlen(value) % 2) {
		snprintf(err, err_size, "must have an even length");
		return -EINVAL;
	}
	return 0;
}

static const char *const what_values[] = {"cpu", "cache", "memory", NULL};

static const struct mcp_prompt_argument look_args[] = {
    {"what", "What", "what to look at", true, what_values, NULL, NULL},
    {"tag", NULL, "an even tag", false, NULL, check_even, NULL},
};

static const struct mcp_prompt prompts[] = {
    {"look", "Look", "Looks at something.", look_args, ELEMENTSOF(look_args), get_prompt, NULL},
    {"plain", NULL, "No arguments.", NULL, 0, get_prompt, NULL},
};

/* Limits and clock the next server_new() uses, then back to defaults. */
static struct mcp_server_config limits;
static bool quiet_logs; /* the next server sends no logs before logging/setLevel */
static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

/* The tool schemas above use ' for "; the server needs real JSON. */
static struct mcp_tool *tools_json(void)
{
	static struct mcp_tool copy[ELEMENTSOF(tools)];
	static char buf[ELEMENTSOF(tools)][2][512];

	if (copy[0].name)
		return copy;

	for (size_t i = 0; i < ELEMENTSOF(tools); i++) {
		copy[i] = tools[i];
		snprintf(buf[i][0], sizeof(buf[i][0]), "%s", tools[i].input_schema);
		snprintf(buf[i][1], sizeof(buf[i][1]), "%s", tools[i].output_schema);
		for (char *c = buf[i][0]; *c; c++)
			*c = *c == '\'' ? '"' : *c;
		for (char *c = buf[i][1]; *c; c++)
			*c = *c == '\'' ? '"' : *c;
		copy[i].input_schema = buf[i][0];
		copy[i].output_schema = buf[i][1];
	}
	return copy;
}

static struct mcp_server *server_new(struct out *o, struct app *a)
{
	struct mcp_server_config cfg = {
	    .name = "test-server",
	    .title = "Test Server",
	    .version = "1.2.3",
	    .instructions = "Read test://hello.",
	    .resources = resources,
	    .n_resources = ELEMENTSOF(resources),
	    .templates = templates,
	    .n_templates = ELEMENTSOF(templates),
	    .tools = tools_json(),
	    .n_tools = ELEMENTSOF(tools),
	    .prompts = prompts,
	    .n_prompts = ELEMENTSOF(prompts),
	    .icon = "data:image/svg+xml;base64,PHN2Zy8+",
	    .app = a,
	    .write = write_line,
	    .write_userdata = o,
	    .max_answer_tokens = limits.max_answer_tokens,
	    .page_size = limits.page_size,
	    .max_in_flight = limits.max_in_flight,
	    .progress_interval_ms = limits.progress_interval_ms,
	    .now_ms = fake_clock,
	    .log_before_set_level = !quiet_logs,
	};
	struct mcp_server *s = NULL;

	memset(o, 0, sizeof(*o));
	memset(a, 0, sizeof(*a));
	memset(&limits, 0, sizeof(limits));
	quiet_logs = false;
	if (mcp_server_new(&cfg, &s) < 0)
		abort();
	return s;
}

/* Feeds a line written with ' for " (easier to read; no test needs a '). */
static void feed(struct mcp_server *s, const char *line)
{
	char *l = strdup(line);

	if (!l)
		abort();
	for (char *p = l; *p; p++)
		if (*p == '\'')
			*p = '"';
	mcp_server_handle_line(s, l, strlen(l));
	free(l);
}

/* The next message the server wrote, parsed; NULL when there is none. */
static json_t *take(struct out *o)
{
	json_t *j;

	if (o->taken >= o->n)
		return NULL;
	j = json_loads(o->lines[o->taken++], JSON_REJECT_DUPLICATES, NULL);
	CHECK(json_is_object(j) || json_array_size(j) > 0); /* a message, or a batch's answers */
	if (json_is_object(j))
		CHECK_STR_EQ("2.0", json_string_value(json_object_get(j, "jsonrpc")));
	for (size_t i = 0; i < json_array_size(j); i++)
		CHECK_STR_EQ("2.0", json_string_value(json_object_get(json_array_get(j, i), "jsonrpc")));
	return j;
}

static size_t unread(const struct out *o)
{
	return o->n - o->taken;
}

/* The id of a message, serialized ("1", "\"a\"", "null"), for one-line comparisons. */
static char *id_of(const json_t *msg)
{
	json_t *id = json_object_get(msg, "id");

	return id ? json_dumps(id, JSON_ENCODE_ANY) : strdup("(absent)");
}

/* Takes the next message and checks it is an error with this id and code. */
static json_t *take_error(struct out *o, const char *id, int code)
{
	json_t *msg = take(o);
	char *got_id;

	CHECK(msg != NULL);
	if (!msg)
		return NULL;
	got_id = id_of(msg);
	CHECK_STR_EQ(id, got_id);
	free(got_id);
	CHECK(json_object_get(msg, "result") == NULL);
	CHECK_INT_EQ(code, json_integer_value(json_object_get(json_object_get(msg, "error"), "code")));
	CHECK(json_is_string(json_object_get(json_object_get(msg, "error"), "message")));
	return msg;
}

/* Takes the next message and returns its result (borrowed from *ret_msg). */
static json_t *take_result(struct out *o, const char *id, json_t **ret_msg)
{
	json_t *msg = take(o);
	char *got_id;

	*ret_msg = msg;
	CHECK(msg != NULL);
	if (!msg)
		return NULL;
	got_id = id_of(msg);
	CHECK_STR_EQ(id, got_id);
	free(got_id);
	CHECK(json_object_get(msg, "error") == NULL);
	CHECK(json_is_object(json_object_get(msg, "result")));
	return json_object_get(msg, "result");
}

static void send_initialize(struct mcp_server *s, int id, const char *version)
{
	char *line;

	if (asprintf(&line,
		     "{'jsonrpc':'2.0','id':%d,'method':'initialize','params':{'protocolVersion':'%s',"
		     "'capabilities':{},'clientInfo':{'name':'test','version':'0'}}}",
		     id, version) < 0)
		abort();
	feed(s, line);
	free(line);
}

static void test_version_list(void)
{
	static const char *const expected[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
	size_t i;

	for (i = 0; mcp_protocol_versions[i]; i++)
		if (i < ELEMENTSOF(expected))
			CHECK_STR_EQ(expected[i], mcp_protocol_versions[i]);
	CHECK_INT_EQ(ELEMENTSOF(expected), i);
}

/* initialize with `asked`; the server answers `answer`; titles exist from 2025-06-18 on. */
static void check_version(const char *asked, const char *answer, bool titles)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg, *result, *info, *list;

	CHECK(mcp_server_protocol_version(s) == NULL);
	send_initialize(s, 1, asked);
	result = take_result(&o, "1", &msg);
	CHECK_STR_EQ(answer, json_string_value(json_object_get(result, "protocolVersion")));
	CHECK_STR_EQ(answer, mcp_server_protocol_version(s));
	info = json_object_get(result, "serverInfo");
	CHECK_STR_EQ("test-server", json_string_value(json_object_get(info, "name")));
	CHECK_STR_EQ("1.2.3", json_string_value(json_object_get(info, "version")));
	CHECK_INT_EQ(titles, json_object_get(info, "title") != NULL);
	if (titles)
		CHECK_STR_EQ("Test Server", json_string_value(json_object_get(info, "title")));
	CHECK_STR_EQ("Read test://hello.", json_string_value(json_object_get(result, "instructions")));
	CHECK(json_is_object(json_object_get(json_object_get(result, "capabilities"), "resources")));
	/* completions from 2025-03-26 on, icons from 2025-11-25 on; logging and
	 * prompts in every version. */
	CHECK_INT_EQ(strcmp(answer, "2025-03-26") >= 0,
		     json_object_get(json_object_get(result, "capabilities"), "completions") != NULL);
	CHECK_INT_EQ(strcmp(answer, "2025-11-25") >= 0, json_object_get(info, "icons") != NULL);
	CHECK(json_is_object(json_object_get(json_object_get(result, "capabilities"), "logging")));
	CHECK(json_is_false(json_object_get(
	    json_object_get(json_object_get(result, "capabilities"), "prompts"), "listChanged")));
	/* test://live has hooks, so the server offers subscriptions. */
	CHECK(json_is_true(json_object_get(
	    json_object_get(json_object_get(result, "capabilities"), "resources"), "subscribe")));
	json_decref(msg);

	/* The client's notifications/initialized is never answered. */
	CHECK(!mcp_server_initialized(s));
	feed(s, "{'jsonrpc':'2.0','method':'notifications/initialized'}");
	CHECK_INT_EQ(0, unread(&o));
	CHECK(mcp_server_initialized(s));

	feed(s, "{'jsonrpc':'2.0','id':2,'method':'resources/list'}");
	result = take_result(&o, "2", &msg);
	list = json_object_get(result, "resources");
	CHECK_INT_EQ(ELEMENTSOF(resources), json_array_size(list));
	for (size_t i = 0; i < ELEMENTSOF(resources) && i < json_array_size(list); i++) {
		const json_t *r = json_array_get(list, i);
		bool has_title = titles && resources[i].title;

		CHECK_STR_EQ(resources[i].uri, json_string_value(json_object_get(r, "uri")));
		CHECK_STR_EQ(resources[i].name, json_string_value(json_object_get(r, "name")));
		CHECK_STR_EQ(resources[i].description, json_string_value(json_object_get(r, "description")));
		CHECK_STR_EQ("application/json", json_string_value(json_object_get(r, "mimeType")));
		CHECK_INT_EQ(has_title, json_object_get(r, "title") != NULL);
		if (has_title)
			CHECK_STR_EQ(resources[i].title, json_string_value(json_object_get(r, "title")));
	}
	json_decref(msg);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_versions(void)
{
	check_version("2024-11-05", "2024-11-05", false);
	check_version("2025-03-26", "2025-03-26", false);
	check_version("2025-06-18", "2025-06-18", true);
	check_version("2025-11-25", "2025-11-25", true);
	/* A version we do not speak: our newest, and the client decides. */
	check_version("1999-01-01", "2025-11-25", true);
	check_version("2099-12-31", "2025-11-25", true);
	check_version("", "2025-11-25", true);
}

static void test_initialize_params(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg;

	feed(s, "{'jsonrpc':'2.0','id':1,'method':'initialize','params':{'capabilities':{}}}");
	json_decref(take_error(&o, "1", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'initialize'}");
	json_decref(take_error(&o, "2", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'initialize','params':{'protocolVersion':5}}");
	json_decref(take_error(&o, "3", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'initialize','params':['2025-06-18']}");
	json_decref(take_error(&o, "4", JSONRPC_INVALID_PARAMS));
	CHECK(mcp_server_protocol_version(s) == NULL);

	/* Still not initialized. */
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'resources/list'}");
	json_decref(take_error(&o, "5", JSONRPC_INVALID_REQUEST));
	send_initialize(s, 6, "2025-06-18");
	take_result(&o, "6", &msg);
	json_decref(msg);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_before_initialize(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg, *result;

	feed(s, "{'jsonrpc':'2.0','id':'p','method':'ping'}");
	result = take_result(&o, "\"p\"", &msg);
	CHECK_INT_EQ(0, json_object_size(result));
	json_decref(msg);

	feed(s, "{'jsonrpc':'2.0','id':1,'method':'resources/list'}");
	json_decref(take_error(&o, "1", JSONRPC_INVALID_REQUEST));
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'resources/read','params':{'uri':'test://hello'}}");
	json_decref(take_error(&o, "2", JSONRPC_INVALID_REQUEST));
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'resources/templates/list'}");
	json_decref(take_error(&o, "3", JSONRPC_INVALID_REQUEST));
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'no/such'}");
	json_decref(take_error(&o, "4", JSONRPC_METHOD_NOT_FOUND));
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static struct mcp_server *server_initialized(struct out *o, struct app *a)
{
	struct mcp_server *s = server_new(o, a);
	json_t *msg;

	send_initialize(s, 1, "2025-06-18");
	take_result(o, "1", &msg);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','method':'notifications/initialized'}");
	return s;
}

static void test_methods(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_initialized(&o, &a);
	json_t *msg, *result;

	feed(s, "{'jsonrpc':'2.0','id':'abc','method':'sampling/createMessage','params':{}}");
	json_decref(take_error(&o, "\"abc\"", JSONRPC_METHOD_NOT_FOUND));
	feed(s, "{'jsonrpc':'2.0','id':77,'method':'x'}");
	json_decref(take_error(&o, "77", JSONRPC_METHOD_NOT_FOUND));
	/* A notification's name sent as a request is no method. */
	feed(s, "{'jsonrpc':'2.0','id':78,'method':'notifications/initialized'}");
	json_decref(take_error(&o, "78", JSONRPC_METHOD_NOT_FOUND));
	/* MCP params are objects. */
	feed(s, "{'jsonrpc':'2.0','id':79,'method':'ping','params':[]}");
	json_decref(take_error(&o, "79", JSONRPC_INVALID_PARAMS));

	feed(s, "{'jsonrpc':'2.0','id':80,'method':'resources/templates/list'}");
	result = take_result(&o, "80", &msg);
	CHECK(json_is_array(json_object_get(result, "resourceTemplates")));
	CHECK_INT_EQ(ELEMENTSOF(templates), json_array_size(json_object_get(result, "resourceTemplates")));
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':81,'method':'ping'}");
	result = take_result(&o, "81", &msg);
	json_decref(msg);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_notifications(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);

	/* Before and after initialize, no notification is answered, known or not. */
	for (int round = 0; round < 2; round++) {
		feed(s, "{'jsonrpc':'2.0','method':'notifications/no-such'}");
		feed(s, "{'jsonrpc':'2.0','method':'no/such','params':{'a':1}}");
		feed(s, "{'jsonrpc':'2.0','method':'ping'}");
		feed(s, "{'jsonrpc':'2.0','method':'resources/list'}");
		feed(s, "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{'requestId':1}}");
		feed(s, "{'jsonrpc':'2.0','method':'initialize','params':{'protocolVersion':'2025-06-18'}}");
		/* Responses to requests we never sent are dropped too. */
		feed(s, "{'jsonrpc':'2.0','id':9,'result':{}}");
		feed(s, "{'jsonrpc':'2.0','id':9,'error':{'code':1,'message':'m'}}");
		CHECK_INT_EQ(0, o.calls);
		/* A notification never negotiates a version. */
		CHECK(mcp_server_protocol_version(s) == NULL);
		if (round == 0)
			feed(s, "{'jsonrpc':'2.0','method':'notifications/initialized'}");
	}
	CHECK_INT_EQ(0, mcp_server_answered(s));
	mcp_server_free(s);
	out_done(&o);
}

static void test_read(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_initialized(&o, &a);
	json_t *msg, *result, *content, *err, *data;

	feed(s, "{'jsonrpc':'2.0','id':10,'method':'resources/read','params':{'uri':'test://hello'}}");
	result = take_result(&o, "10", &msg);
	CHECK_INT_EQ(1, json_array_size(json_object_get(result, "contents")));
	content = json_array_get(json_object_get(result, "contents"), 0);
	CHECK_STR_EQ("test://hello", json_string_value(json_object_get(content, "uri")));
	CHECK_STR_EQ("application/json", json_string_value(json_object_get(content, "mimeType")));
	CHECK_STR_EQ("{\"hello\":\"world\"}", json_string_value(json_object_get(content, "text")));
	json_decref(msg);

	feed(s, "{'jsonrpc':'2.0','id':11,'method':'resources/read','params':{'uri':'test://untitled'}}");
	result = take_result(&o, "11", &msg);
	content = json_array_get(json_object_get(result, "contents"), 0);
	CHECK_STR_EQ("{\"hello\":\"plain\"}", json_string_value(json_object_get(content, "text")));
	json_decref(msg);

	feed(s, "{'jsonrpc':'2.0','id':12,'method':'resources/read','params':{'uri':'test://nope'}}");
	err = take_error(&o, "12", MCP_RESOURCE_NOT_FOUND);
	data = json_object_get(json_object_get(err, "error"), "data");
	CHECK_STR_EQ("test://nope", json_string_value(json_object_get(data, "uri")));
	json_decref(err);
	/* A prefix of a known URI is not that URI. */
	feed(s, "{'jsonrpc':'2.0','id':13,'method':'resources/read','params':{'uri':'test://hell'}}");
	json_decref(take_error(&o, "13", MCP_RESOURCE_NOT_FOUND));

	feed(s, "{'jsonrpc':'2.0','id':14,'method':'resources/read','params':{}}");
	json_decref(take_error(&o, "14", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':15,'method':'resources/read'}");
	json_decref(take_error(&o, "15", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':16,'method':'resources/read','params':{'uri':5}}");
	json_decref(take_error(&o, "16", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':17,'method':'resources/read','params':{'uri':null}}");
	json_decref(take_error(&o, "17", JSONRPC_INVALID_PARAMS));
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_invalid_lines(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg;
	const char *text;

	feed(s, "this is not json");
	json_decref(take_error(&o, "null", JSONRPC_PARSE_ERROR));
	feed(s, "[{'jsonrpc':'2.0','id':1,'method':'ping'}]");
	json_decref(take_error(&o, "null", JSONRPC_INVALID_REQUEST));
	feed(s, "{'jsonrpc':'1.0','id':3,'method':'ping'}");
	json_decref(take_error(&o, "3", JSONRPC_INVALID_REQUEST));
	feed(s, "{'jsonrpc':'2.0','id':null,'method':'ping'}");
	json_decref(take_error(&o, "null", JSONRPC_INVALID_REQUEST));
	mcp_server_handle_line(s, "", 0);
	json_decref(take_error(&o, "null", JSONRPC_PARSE_ERROR));

	mcp_server_line_too_long(s, 1024);
	msg = take_error(&o, "null", JSONRPC_INVALID_REQUEST);
	text = json_string_value(json_object_get(json_object_get(msg, "error"), "message"));
	CHECK(text && strstr(text, "1024"));
	json_decref(msg);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_counters(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg, *content;

	CHECK_INT_EQ(0, mcp_server_answered(s));
	CHECK_INT_EQ(0, mcp_server_pending(s));
	send_initialize(s, 1, "2025-11-25");
	CHECK_INT_EQ(1, mcp_server_answered(s));
	CHECK_INT_EQ(0, mcp_server_pending(s));
	feed(s, "{'jsonrpc':'2.0','method':'notifications/initialized'}");
	CHECK_INT_EQ(1, mcp_server_answered(s));

	/* A request whose handler answers later stays pending. */
	feed(s, "{'jsonrpc':'2.0','id':'late','method':'resources/read','params':{'uri':'test://later'}}");
	CHECK(a.held != NULL);
	CHECK_INT_EQ(1, mcp_server_pending(s));
	CHECK_INT_EQ(1, mcp_server_answered(s));
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'ping'}");
	CHECK_INT_EQ(1, mcp_server_pending(s));
	CHECK_INT_EQ(2, mcp_server_answered(s));
	/* Errors answer a request too (--oneshot counts on it). */
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'no/such'}");
	CHECK_INT_EQ(3, mcp_server_answered(s));
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'resources/read','params':{'uri':'x'}}");
	CHECK_INT_EQ(4, mcp_server_answered(s));
	CHECK_INT_EQ(1, mcp_server_pending(s));
	CHECK_INT_EQ(4, unread(&o)); /* initialize, ping, two errors */
	while (unread(&o))
		json_decref(take(&o));

	if (a.held) {
		json_t *body = json_pack("{s:i}", "n", 5);

		mcp_request_reply_resource(a.held, "test://later", body);
		json_decref(body);
		a.held = NULL;
	}
	CHECK_INT_EQ(0, mcp_server_pending(s));
	CHECK_INT_EQ(5, mcp_server_answered(s));
	content = json_array_get(json_object_get(take_result(&o, "\"late\"", &msg), "contents"), 0);
	CHECK_STR_EQ("{\"n\":5}", json_string_value(json_object_get(content, "text")));
	json_decref(msg);

	/* Freeing the server with a request out frees the request (ASan: no leak). */
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'resources/read','params':{'uri':'test://later'}}");
	CHECK_INT_EQ(1, mcp_server_pending(s));
	mcp_server_free(s);
	out_done(&o);
}

static void test_write_failure(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);

	o.fail = -EPIPE;
	feed(s, "{'jsonrpc':'2.0','id':1,'method':'ping'}");
	CHECK_INT_EQ(1, o.calls);
	/* Once the peer is gone, the server stops writing but keeps its books. */
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'ping'}");
	CHECK_INT_EQ(1, o.calls);
	CHECK_INT_EQ(2, mcp_server_answered(s));
	CHECK_INT_EQ(0, mcp_server_pending(s));
	mcp_server_free(s);
	out_done(&o);
}

/* tools/list fields and tools/call answers as each protocol version defines them. */
static void check_tools(const char *version, bool titles, bool annotations, bool structured,
			bool arg_errors_as_results)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg, *result, *tool;

	send_initialize(s, 1, version);
	json_decref(take(&o));
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'tools/list'}");
	result = take_result(&o, "2", &msg);
	tool = json_array_get(json_object_get(result, "tools"), 0);
	CHECK_STR_EQ("echo", json_string_value(json_object_get(tool, "name")));
	CHECK(json_is_object(json_object_get(tool, "inputSchema")));
	CHECK_INT_EQ(titles, json_object_get(tool, "title") != NULL);
	CHECK_INT_EQ(annotations, json_object_get(tool, "annotations") != NULL);
	CHECK_INT_EQ(structured, json_object_get(tool, "outputSchema") != NULL);
	if (annotations)
		CHECK(json_is_true(json_object_get(json_object_get(tool, "annotations"), "readOnlyHint")));
	json_decref(msg);

	feed(s,
	     "{'jsonrpc':'2.0','id':3,'method':'tools/call','params':{'name':'echo','arguments':{'n':7}}}");
	result = take_result(&o, "3", &msg);
	CHECK(json_is_false(json_object_get(result, "isError")));
	CHECK_STR_EQ("{\"echo\":7}", json_string_value(json_object_get(
					 json_array_get(json_object_get(result, "content"), 0), "text")));
	CHECK_INT_EQ(structured, json_object_get(result, "structuredContent") != NULL);
	json_decref(msg);

	feed(s, "{'jsonrpc':'2.0','id':4,'method':'tools/"
		"call','params':{'name':'echo','arguments':{'n':7,'fail':true}}}");
	result = take_result(&o, "4", &msg);
	CHECK(json_is_true(json_object_get(result, "isError")));
	json_decref(msg);

	/* Arguments that break the schema name the field. */
	feed(s,
	     "{'jsonrpc':'2.0','id':5,'method':'tools/call','params':{'name':'echo','arguments':{'n':10}}}");
	if (arg_errors_as_results) {
		result = take_result(&o, "5", &msg);
		CHECK(json_is_true(json_object_get(result, "isError")));
		json_decref(msg);
	} else {
		msg = take_error(&o, "5", JSONRPC_INVALID_PARAMS);
		CHECK_STR_EQ("Invalid arguments for tool echo: n: must be <= 9",
			     json_string_value(json_object_get(json_object_get(msg, "error"), "message")));
		json_decref(msg);
	}
	feed(s, "{'jsonrpc':'2.0','id':6,'method':'tools/call','params':{'name':'nope'}}");
	json_decref(take_error(&o, "6", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':7,'method':'tools/call','params':{'arguments':{}}}");
	json_decref(take_error(&o, "7", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':8,'method':'tools/call','params':{'name':'echo','arguments':[1]}}");
	json_decref(take_error(&o, "8", JSONRPC_INVALID_PARAMS));
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_tools(void)
{
	struct mcp_tool bad = tools[0];
	struct mcp_server *s = NULL;
	struct mcp_server_config cfg = {
	    .name = "x", .version = "0", .tools = &bad, .n_tools = 1, .write = write_line};

	check_tools("2024-11-05", false, false, false, false);
	check_tools("2025-03-26", false, true, false, false);
	check_tools("2025-06-18", true, true, true, false);
	check_tools("2025-11-25", true, true, true, true);

	/* A schema the validator cannot enforce stops the server from starting. */
	bad.input_schema = "{\"type\":\"object\",\"properties\":{\"x\":{\"pattern\":\"a\"}}}";
	bad.output_schema = NULL;
	CHECK_INT_EQ(-EINVAL, mcp_server_new(&cfg, &s));
	bad.input_schema = "not json";
	CHECK_INT_EQ(-EINVAL, mcp_server_new(&cfg, &s));
	CHECK(s == NULL);
}

static void test_subscriptions(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_initialized(&o, &a);
	json_t *msg, *params;

	/* Nothing is sent for a resource nobody subscribed to. */
	mcp_server_resource_updated(s, "test://live");
	CHECK_INT_EQ(0, unread(&o));
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'resources/subscribe','params':{'uri':'test://live'}}");
	take_result(&o, "2", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.subscribes);
	CHECK(mcp_server_subscribed(s, "test://live"));
	/* Twice is one subscription: the hook runs once. */
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'resources/subscribe','params':{'uri':'test://live'}}");
	take_result(&o, "3", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.subscribes);

	mcp_server_resource_updated(s, "test://live");
	msg = take(&o);
	CHECK_STR_EQ("notifications/resources/updated", json_string_value(json_object_get(msg, "method")));
	CHECK(json_object_get(msg, "id") == NULL);
	params = json_object_get(msg, "params");
	CHECK_STR_EQ("test://live", json_string_value(json_object_get(params, "uri")));
	json_decref(msg);
	mcp_server_resource_updated(s, "test://hello");
	mcp_server_resource_updated(s, "test://nope");
	CHECK_INT_EQ(0, unread(&o));

	/* Unknown resources, resources without hooks, bad params. */
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'resources/subscribe','params':{'uri':'test://nope'}}");
	json_decref(take_error(&o, "4", MCP_RESOURCE_NOT_FOUND));
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'resources/subscribe','params':{'uri':'test://hello'}}");
	json_decref(take_error(&o, "5", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':6,'method':'resources/subscribe','params':{}}");
	json_decref(take_error(&o, "6", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':7,'method':'resources/unsubscribe','params':{'uri':7}}");
	json_decref(take_error(&o, "7", JSONRPC_INVALID_PARAMS));

	feed(s, "{'jsonrpc':'2.0','id':8,'method':'resources/unsubscribe','params':{'uri':'test://live'}}");
	take_result(&o, "8", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.unsubscribes);
	CHECK(!mcp_server_subscribed(s, "test://live"));
	mcp_server_resource_updated(s, "test://live");
	CHECK_INT_EQ(0, unread(&o));
	/* Unsubscribing what is not subscribed succeeds and runs no hook. */
	feed(s, "{'jsonrpc':'2.0','id':9,'method':'resources/unsubscribe','params':{'uri':'test://live'}}");
	take_result(&o, "9", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.unsubscribes);

	/* A hook that fails: an error with its sentence, no subscription. */
	a.subscribe_fail = -ENOTCONN;
	feed(s, "{'jsonrpc':'2.0','id':10,'method':'resources/subscribe','params':{'uri':'test://live'}}");
	msg = take_error(&o, "10", JSONRPC_INTERNAL_ERROR);
	CHECK_STR_EQ("the stream cannot start; start collectord",
		     json_string_value(json_object_get(json_object_get(msg, "error"), "message")));
	json_decref(msg);
	CHECK(!mcp_server_subscribed(s, "test://live"));

	/* The server's end ends the subscriptions still open. */
	a.subscribe_fail = 0;
	feed(s, "{'jsonrpc':'2.0','id':11,'method':'resources/subscribe','params':{'uri':'test://live'}}");
	take_result(&o, "11", &msg);
	json_decref(msg);
	CHECK_INT_EQ(2, a.subscribes);
	mcp_server_free(s);
	CHECK_INT_EQ(2, a.unsubscribes);
	out_done(&o);
}

/* Sends a request line built with printf. */
static void feedf(struct mcp_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void feedf(struct mcp_server *s, const char *fmt, ...)
{
	char *line;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	feed(s, line);
	free(line);
}

static struct mcp_server *server_at(struct out *o, struct app *a, const char *version)
{
	struct mcp_server *s = server_new(o, a);
	json_t *msg;

	send_initialize(s, 1, version);
	take_result(o, "1", &msg);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','method':'notifications/initialized'}");
	return s;
}

static const char *error_message(const json_t *msg)
{
	return json_string_value(json_object_get(json_object_get(msg, "error"), "message"));
}

static void test_cancel(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_initialized(&o, &a);
	json_t *msg;

	/* A hook that completes the request: nothing is sent, ever. */
	a.cancel_completes = true;
	feed(s,
	     "{'jsonrpc':'2.0','id':'c1','method':'resources/read','params':{'uri':'test://cancellable'}}");
	CHECK_INT_EQ(1, mcp_server_pending(s));
	feed(
	    s,
	    "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{'requestId':'c1','reason':'no'}}");
	CHECK_INT_EQ(1, a.cancels);
	CHECK_INT_EQ(0, mcp_server_pending(s));
	CHECK_INT_EQ(0, unread(&o));
	/* Twice, or for an id no longer in flight: ignored. */
	feed(s, "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{'requestId':'c1'}}");
	feed(s, "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{'requestId':12345}}");
	feed(s, "{'jsonrpc':'2.0','method':'notifications/cancelled'}");
	CHECK_INT_EQ(1, a.cancels);

	/* A hook that only stops the work: the late answer is dropped. */
	a.cancel_completes = false;
	feed(s, "{'jsonrpc':'2.0','id':7,'method':'resources/read','params':{'uri':'test://cancellable'}}");
	feed(s, "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{'requestId':7}}");
	CHECK_INT_EQ(2, a.cancels);
	CHECK_INT_EQ(1, mcp_server_pending(s));
	CHECK(a.held && mcp_request_cancelled(a.held));
	if (a.held)
		mcp_request_reply(a.held, json_object());
	CHECK_INT_EQ(0, mcp_server_pending(s));
	CHECK_INT_EQ(0, unread(&o));

	/* No hook: the same, the answer is dropped. The id is free again. */
	feed(s, "{'jsonrpc':'2.0','id':8,'method':'tools/call','params':{'name':'hold'}}");
	feed(s, "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{'requestId':8}}");
	mcp_request_reply_tool(a.held, json_object());
	CHECK_INT_EQ(0, unread(&o));
	feed(s, "{'jsonrpc':'2.0','id':8,'method':'ping'}");
	take_result(&o, "8", &msg);
	json_decref(msg);

	/* An id still in flight is not reused. */
	feed(s, "{'jsonrpc':'2.0','id':9,'method':'tools/call','params':{'name':'hold'}}");
	feed(s, "{'jsonrpc':'2.0','id':9,'method':'ping'}");
	json_decref(take_error(&o, "9", JSONRPC_INVALID_REQUEST));
	mcp_request_reply_tool(a.held, json_object());
	json_decref(take_result(&o, "9", &msg) ? msg : NULL);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_progress(const char *version, bool message)
{
	struct out o;
	struct app a;
	struct mcp_server *s;
	json_t *msg, *params;

	limits.progress_interval_ms = 100;
	s = server_at(&o, &a, version);
	fake_now = 1000;
	/* Without a token: nothing. */
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'tools/call','params':{'name':'hold'}}");
	CHECK(!mcp_request_wants_progress(a.held));
	mcp_request_progress(a.held, 1, 10, "one");
	CHECK_INT_EQ(0, unread(&o));
	mcp_request_reply_tool(a.held, json_object());
	json_decref(take(&o));

	feed(s, "{'jsonrpc':'2.0','id':3,'method':'tools/"
		"call','params':{'name':'hold','_meta':{'progressToken':'tok'}}}");
	CHECK(mcp_request_wants_progress(a.held));
	mcp_request_progress(a.held, 1, 10, "one");
	msg = take(&o);
	CHECK_STR_EQ("notifications/progress", json_string_value(json_object_get(msg, "method")));
	params = json_object_get(msg, "params");
	CHECK_STR_EQ("tok", json_string_value(json_object_get(params, "progressToken")));
	CHECK(json_number_value(json_object_get(params, "progress")) == 1);
	CHECK(json_number_value(json_object_get(params, "total")) == 10);
	CHECK_INT_EQ(message, json_object_get(params, "message") != NULL);
	json_decref(msg);
	/* Within 100 ms: dropped; not growing: dropped; the last one always goes. */
	fake_now += 50;
	mcp_request_progress(a.held, 2, 10, NULL);
	fake_now += 100;
	mcp_request_progress(a.held, 1, 10, NULL);
	CHECK_INT_EQ(0, unread(&o));
	mcp_request_progress(a.held, 3, 10, NULL);
	json_decref(take(&o));
	fake_now += 1;
	mcp_request_progress(a.held, 10, 10, NULL);
	json_decref(take(&o));
	CHECK_INT_EQ(0, unread(&o));
	mcp_request_reply_tool(a.held, json_object());
	json_decref(take(&o));

	/* Integer tokens too. */
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'tools/"
		"call','params':{'name':'hold','_meta':{'progressToken':17}}}");
	mcp_request_progress(a.held, 1, 0, NULL);
	msg = take(&o);
	CHECK_INT_EQ(17,
		     json_integer_value(json_object_get(json_object_get(msg, "params"), "progressToken")));
	CHECK(json_object_get(json_object_get(msg, "params"), "total") == NULL);
	json_decref(msg);
	mcp_request_reply_tool(a.held, json_object());
	json_decref(take(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_in_flight(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s;
	struct mcp_request *held[2];
	json_t *msg, *data;

	limits.max_in_flight = 2;
	s = server_at(&o, &a, "2025-06-18");
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'tools/call','params':{'name':'hold'}}");
	held[0] = a.held;
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'tools/call','params':{'name':'hold'}}");
	held[1] = a.held;
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'resources/list'}");
	msg = take_error(&o, "4", JSONRPC_INTERNAL_ERROR);
	CHECK(strstr(error_message(msg), "Too many requests in flight") != NULL);
	data = json_object_get(json_object_get(msg, "error"), "data");
	CHECK_INT_EQ(2, json_integer_value(json_object_get(data, "limit")));
	json_decref(msg);
	/* ping is never held back. */
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'ping'}");
	take_result(&o, "5", &msg);
	json_decref(msg);
	mcp_request_reply_tool(held[0], json_object());
	json_decref(take(&o));
	feed(s, "{'jsonrpc':'2.0','id':6,'method':'resources/list'}");
	take_result(&o, "6", &msg);
	json_decref(msg);
	mcp_request_reply_tool(held[1], json_object());
	json_decref(take(&o));
	mcp_server_free(s);
	out_done(&o);
}

/* Pages through a list two at a time; returns the items seen. */
static size_t page_through(struct mcp_server *s, struct out *o, const char *method, const char *key)
{
	char *cursor = NULL;
	size_t seen = 0;

	for (int id = 100; id < 120; id++) {
		json_t *msg, *result;
		char want[16];
		const char *next;

		if (cursor)
			feedf(s, "{'jsonrpc':'2.0','id':%d,'method':'%s','params':{'cursor':'%s'}}", id,
			      method, cursor);
		else
			feedf(s, "{'jsonrpc':'2.0','id':%d,'method':'%s'}", id, method);
		snprintf(want, sizeof(want), "%d", id);
		result = take_result(o, want, &msg);
		seen += json_array_size(json_object_get(result, key));
		CHECK(json_array_size(json_object_get(result, key)) <= 2);
		next = json_string_value(json_object_get(result, "nextCursor"));
		free(cursor);
		cursor = next ? strdup(next) : NULL;
		json_decref(msg);
		if (!cursor)
			break;
	}
	free(cursor);
	return seen;
}

static void test_paging(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s;
	json_t *msg, *result;
	char *cursor;

	limits.page_size = 2;
	s = server_at(&o, &a, "2025-06-18");
	CHECK_INT_EQ(ELEMENTSOF(resources), page_through(s, &o, "resources/list", "resources"));
	CHECK_INT_EQ(ELEMENTSOF(tools), page_through(s, &o, "tools/list", "tools"));
	CHECK_INT_EQ(ELEMENTSOF(prompts), page_through(s, &o, "prompts/list", "prompts"));
	CHECK_INT_EQ(ELEMENTSOF(templates),
		     page_through(s, &o, "resources/templates/list", "resourceTemplates"));

	/* Cursors are checked: garbage, another list's cursor, a number. */
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'resources/list','params':{'cursor':'garbage!'}}");
	json_decref(take_error(&o, "2", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'resources/list'}");
	result = take_result(&o, "3", &msg);
	cursor = strdup(json_string_value(json_object_get(result, "nextCursor")) ?: "");
	json_decref(msg);
	feedf(s, "{'jsonrpc':'2.0','id':4,'method':'tools/list','params':{'cursor':'%s'}}", cursor);
	json_decref(take_error(&o, "4", JSONRPC_INVALID_PARAMS));
	feedf(s, "{'jsonrpc':'2.0','id':5,'method':'resources/list','params':{'cursor':'%sA'}}", cursor);
	json_decref(take_error(&o, "5", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':6,'method':'resources/list','params':{'cursor':7}}");
	json_decref(take_error(&o, "6", JSONRPC_INVALID_PARAMS));
	free(cursor);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_budget(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s;
	json_t *msg, *result, *content, *doc, *note;
	const char *text;

	limits.max_answer_tokens = 1000; /* 4000 bytes */
	s = server_at(&o, &a, "2025-06-18");
	o.max_len = 4000;
	CHECK_INT_EQ(4000, mcp_server_answer_bytes(s));
	/* Small: untouched. */
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'tools/call','params':{'name':'big','arguments':{'n':3}}}");
	result = take_result(&o, "2", &msg);
	CHECK(json_object_get(json_object_get(result, "structuredContent"), "truncated") == NULL);
	CHECK_INT_EQ(1, json_array_size(json_object_get(result, "content")));
	json_decref(msg);

	/* 500 items of 100 bytes: cut, with the note in the text, in the
	 * structured content, and the offset to continue from. */
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'tools/"
		"call','params':{'name':'big','arguments':{'n':500,'offset':10}}}");
	result = take_result(&o, "3", &msg);
	CHECK(json_is_false(json_object_get(result, "isError")));
	content = json_object_get(result, "content");
	CHECK_INT_EQ(2, json_array_size(content));
	text = json_string_value(json_object_get(json_array_get(content, 1), "text"));
	CHECK(text && strstr(text, "This answer was cut to fit the answer budget of 1000 tokens"));
	CHECK(text && strstr(text, "/items keeps"));
	CHECK(text && strstr(text, "of 500 items"));
	CHECK(text && strstr(text, "call big again with offset="));
	doc = json_object_get(result, "structuredContent");
	note = json_object_get(doc, "truncated");
	CHECK(json_is_object(note));
	CHECK_INT_EQ(500, json_integer_value(
			      json_object_get(json_array_get(json_object_get(note, "cuts"), 0), "total")));
	CHECK(json_array_size(json_object_get(doc, "items")) > 0 &&
	      json_array_size(json_object_get(doc, "items")) < 500);
	/* The text content is the structured content, cut the same way. */
	{
		json_t *parsed = json_loads(
		    json_string_value(json_object_get(json_array_get(content, 0), "text")), 0, NULL);

		CHECK(json_equal(parsed, doc));
		json_decref(parsed);
	}
	json_decref(msg);

	/* Lists stay within the budget by paging. */
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'tools/list'}");
	result = take_result(&o, "4", &msg);
	CHECK(json_array_size(json_object_get(result, "tools")) >= 1);
	json_decref(msg);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);

	/* 2024-11-05 has no structured content: the text alone carries it. */
	limits.max_answer_tokens = 1000;
	s = server_at(&o, &a, "2024-11-05");
	o.max_len = 4000;
	feed(s,
	     "{'jsonrpc':'2.0','id':2,'method':'tools/call','params':{'name':'big','arguments':{'n':500}}}");
	result = take_result(&o, "2", &msg);
	CHECK(json_object_get(result, "structuredContent") == NULL);
	doc = json_loads(
	    json_string_value(json_object_get(json_array_get(json_object_get(result, "content"), 0), "text")),
	    0, NULL);
	CHECK(json_is_object(json_object_get(doc, "truncated")));
	CHECK(json_array_size(json_object_get(doc, "items")) > 20); /* more room than with the copy */
	json_decref(doc);
	json_decref(msg);
	mcp_server_free(s);
	out_done(&o);
}

static void test_templates(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_at(&o, &a, "2025-06-18");
	json_t *msg, *result, *vars, *list;

	feed(s, "{'jsonrpc':'2.0','id':2,'method':'resources/templates/list'}");
	result = take_result(&o, "2", &msg);
	list = json_object_get(result, "resourceTemplates");
	CHECK_INT_EQ(3, json_array_size(list));
	CHECK_STR_EQ("test://item/{id}{?verbose,mode}",
		     json_string_value(json_object_get(json_array_get(list, 0), "uriTemplate")));
	CHECK_STR_EQ("Item", json_string_value(json_object_get(json_array_get(list, 0), "title")));
	CHECK(json_object_get(json_array_get(list, 1), "title") == NULL);
	json_decref(msg);

	feed(s, "{'jsonrpc':'2.0','id':3,'method':'resources/read','params':{'uri':'test://item/"
		"42?verbose=true&mode=full'}}");
	result = take_result(&o, "3", &msg);
	vars = json_loads(json_string_value(json_object_get(
			      json_array_get(json_object_get(result, "contents"), 0), "text")),
			  0, NULL);
	CHECK_INT_EQ(42, json_integer_value(json_object_get(vars, "id")));
	CHECK(json_is_true(json_object_get(vars, "verbose")));
	CHECK_STR_EQ("full", json_string_value(json_object_get(vars, "mode")));
	CHECK_STR_EQ("test://item/42?verbose=true&mode=full",
		     json_string_value(
			 json_object_get(json_array_get(json_object_get(result, "contents"), 0), "uri")));
	json_decref(vars);
	json_decref(msg);

	/* Typed and validated: -32602 naming the variable. */
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'resources/read','params':{'uri':'test://item/x'}}");
	msg = take_error(&o, "4", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "id: must be an integer") != NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'resources/read','params':{'uri':'test://item/0'}}");
	json_decref(take_error(&o, "5", JSONRPC_INVALID_PARAMS));
	feed(s,
	     "{'jsonrpc':'2.0','id':6,'method':'resources/read','params':{'uri':'test://item/1?mode=slow'}}");
	json_decref(take_error(&o, "6", JSONRPC_INVALID_PARAMS));
	feed(
	    s,
	    "{'jsonrpc':'2.0','id':7,'method':'resources/read','params':{'uri':'test://item/1?colour=red'}}");
	msg = take_error(&o, "7", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "unknown query parameter 'colour'") != NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':8,'method':'resources/read','params':{'uri':'test://item/1/more'}}");
	json_decref(take_error(&o, "8", MCP_RESOURCE_NOT_FOUND));
	feed(s, "{'jsonrpc':'2.0','id':9,'method':'resources/read','params':{'uri':'test://item/'}}");
	json_decref(take_error(&o, "9", MCP_RESOURCE_NOT_FOUND));
	feed(
	    s,
	    "{'jsonrpc':'2.0','id':10,'method':'resources/read','params':{'uri':'test://color/dark%20red'}}");
	result = take_result(&o, "10", &msg);
	CHECK(strstr(json_string_value(
			 json_object_get(json_array_get(json_object_get(result, "contents"), 0), "text")),
		     "dark red") != NULL);
	json_decref(msg);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

/* Each URI a subscribable template matches is a subscription of its own. */
static void test_template_subscriptions(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_initialized(&o, &a);
	json_t *msg;

	feed(s, "{'jsonrpc':'2.0','id':2,'method':'resources/subscribe','params':{'uri':'test://feed?who=ann'}}");
	take_result(&o, "2", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.uri_subscribes);
	CHECK_STR_EQ("test://feed?who=ann", a.uri_subscribed);
	CHECK_STR_EQ("ann", a.who);
	CHECK(mcp_server_subscribed(s, "test://feed?who=ann"));
	CHECK(!mcp_server_subscribed(s, "test://feed?who=bob"));
	/* The same URI again is the same subscription; another is a second one. */
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'resources/subscribe','params':{'uri':'test://feed?who=ann'}}");
	take_result(&o, "3", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.uri_subscribes);
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'resources/subscribe','params':{'uri':'test://feed?who=bob&rate=2'}}");
	take_result(&o, "4", &msg);
	json_decref(msg);
	CHECK_INT_EQ(2, a.uri_subscribes);
	/* Notifications for exactly the URIs subscribed to. */
	mcp_server_resource_updated(s, "test://feed?who=ann");
	msg = take(&o);
	CHECK_STR_EQ("test://feed?who=ann",
		     json_string_value(json_object_get(json_object_get(msg, "params"), "uri")));
	json_decref(msg);
	mcp_server_resource_updated(s, "test://feed?who=carl");
	mcp_server_resource_updated(s, "test://feed");
	CHECK_INT_EQ(0, unread(&o));

	/* Bad variables and a hook's -EINVAL are -32602 naming the variable. */
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'resources/subscribe','params':{'uri':'test://feed?rate=0'}}");
	msg = take_error(&o, "5", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "rate: must be >= 1") != NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':6,'method':'resources/subscribe','params':{'uri':'test://feed?colour=red'}}");
	msg = take_error(&o, "6", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "unknown query parameter 'colour'") != NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':7,'method':'resources/subscribe','params':{'uri':'test://feed?who=nobody'}}");
	msg = take_error(&o, "7", JSONRPC_INVALID_PARAMS);
	CHECK_STR_EQ("who: nobody cannot be followed", error_message(msg));
	json_decref(msg);
	CHECK_INT_EQ(2, a.uri_subscribes);
	CHECK(!mcp_server_subscribed(s, "test://feed?who=nobody"));
	/* A template without hooks cannot be subscribed to. */
	feed(s, "{'jsonrpc':'2.0','id':8,'method':'resources/subscribe','params':{'uri':'test://item/4'}}");
	json_decref(take_error(&o, "8", JSONRPC_INVALID_PARAMS));

	feed(s, "{'jsonrpc':'2.0','id':9,'method':'resources/unsubscribe','params':{'uri':'test://feed?who=ann'}}");
	take_result(&o, "9", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.uri_unsubscribes);
	CHECK_STR_EQ("-test://feed?who=ann", a.uri_subscribed);
	CHECK(!mcp_server_subscribed(s, "test://feed?who=ann"));
	mcp_server_resource_updated(s, "test://feed?who=ann");
	CHECK_INT_EQ(0, unread(&o));
	/* Not subscribed: succeeds, no hook. */
	feed(s, "{'jsonrpc':'2.0','id':10,'method':'resources/unsubscribe','params':{'uri':'test://feed?who=ann'}}");
	take_result(&o, "10", &msg);
	json_decref(msg);
	CHECK_INT_EQ(1, a.uri_unsubscribes);
	/* The server's end ends the one still open. */
	mcp_server_free(s);
	CHECK_INT_EQ(2, a.uri_unsubscribes);
	CHECK_STR_EQ("-test://feed?who=bob&rate=2", a.uri_subscribed);
	out_done(&o);
}

static void check_completion(struct mcp_server *s, struct out *o, int id, const char *ref, const char *arg,
			     const char *value, const char *context, const char *expected)
{
	json_t *msg, *result, *values;
	char want[16], got[256] = "";
	size_t i;
	json_t *v;

	feedf(s,
	      "{'jsonrpc':'2.0','id':%d,'method':'completion/complete','params':{'ref':%s,"
	      "'argument':{'name':'%s','value':'%s'}%s}}",
	      id, ref, arg, value, context);
	snprintf(want, sizeof(want), "%d", id);
	result = take_result(o, want, &msg);
	values = json_object_get(json_object_get(result, "completion"), "values");
	json_array_foreach (values, i, v) {
		strncat(got, i ? "," : "", sizeof(got) - strlen(got) - 1);
		strncat(got, json_string_value(v), sizeof(got) - strlen(got) - 1);
	}
	CHECK_STR_EQ(expected, got);
	CHECK_INT_EQ(json_array_size(values),
		     json_integer_value(json_object_get(json_object_get(result, "completion"), "total")));
	json_decref(msg);
}

static void test_prompts_and_completion(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_at(&o, &a, "2025-06-18");
	json_t *msg, *result, *list, *arg;

	feed(s, "{'jsonrpc':'2.0','id':2,'method':'prompts/list'}");
	result = take_result(&o, "2", &msg);
	list = json_object_get(result, "prompts");
	CHECK_INT_EQ(2, json_array_size(list));
	CHECK_STR_EQ("Look", json_string_value(json_object_get(json_array_get(list, 0), "title")));
	arg = json_array_get(json_object_get(json_array_get(list, 0), "arguments"), 0);
	CHECK_STR_EQ("what", json_string_value(json_object_get(arg, "name")));
	CHECK(json_is_true(json_object_get(arg, "required")));
	CHECK_STR_EQ("What", json_string_value(json_object_get(arg, "title")));
	json_decref(msg);

	feed(s, "{'jsonrpc':'2.0','id':3,'method':'prompts/"
		"get','params':{'name':'look','arguments':{'what':'cache','tag':'ab'}}}");
	result = take_result(&o, "3", &msg);
	CHECK_STR_EQ("a look", json_string_value(json_object_get(result, "description")));
	list = json_object_get(result, "messages");
	CHECK_STR_EQ("user", json_string_value(json_object_get(json_array_get(list, 0), "role")));
	CHECK_STR_EQ("look at cache", json_string_value(json_object_get(
					  json_object_get(json_array_get(list, 0), "content"), "text")));
	json_decref(msg);

	/* Every way to get the arguments wrong is -32602, naming the argument. */
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'prompts/get','params':{'name':'look'}}");
	msg = take_error(&o, "4", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "what: required") != NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'prompts/"
		"get','params':{'name':'look','arguments':{'what':'disk'}}}");
	msg = take_error(&o, "5", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "what: must be one of cpu, cache, memory") != NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':6,'method':'prompts/"
		"get','params':{'name':'look','arguments':{'what':'cpu','tag':'abc'}}}");
	msg = take_error(&o, "6", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "tag: must have an even length") != NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':7,'method':'prompts/"
		"get','params':{'name':'look','arguments':{'what':5}}}");
	json_decref(take_error(&o, "7", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':8,'method':'prompts/"
		"get','params':{'name':'look','arguments':{'what':'cpu','x':'1'}}}");
	json_decref(take_error(&o, "8", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':9,'method':'prompts/get','params':{'name':'nope'}}");
	json_decref(take_error(&o, "9", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':10,'method':'prompts/get','params':{'name':'plain','arguments':{}}}");
	take_result(&o, "10", &msg);
	json_decref(msg);

	check_completion(s, &o, 20, "{'type':'ref/prompt','name':'look'}", "what", "c", "", "cpu,cache");
	check_completion(s, &o, 21, "{'type':'ref/prompt','name':'look'}", "what", "", "",
			 "cpu,cache,memory");
	check_completion(s, &o, 22, "{'type':'ref/prompt','name':'look'}", "tag", "", "", "");
	check_completion(s, &o, 23, "{'type':'ref/resource','uri':'test://item/{id}{?verbose,mode}'}", "mode",
			 "f", "", "fast,full");
	check_completion(s, &o, 24, "{'type':'ref/resource','uri':'test://color/{name}'}", "name", "gr", "",
			 "green,grey");
	check_completion(s, &o, 25, "{'type':'ref/resource','uri':'test://color/{name}'}", "name", "gr",
			 ",'context':{'arguments':{'shade':'1'}}", "green,grey,shaded");
	check_completion(s, &o, 26, "{'type':'ref/resource','uri':'test://hello'}", "x", "", "", "");
	feed(s, "{'jsonrpc':'2.0','id':27,'method':'completion/complete','params':{'ref':{'type':'ref/"
		"prompt','name':'nope'},'argument':{'name':'a','value':''}}}");
	json_decref(take_error(&o, "27", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':28,'method':'completion/complete','params':{'ref':{'type':'ref/"
		"resource','uri':'test://color/{name}'},'argument':{'name':'size','value':''}}}");
	json_decref(take_error(&o, "28", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':29,'method':'completion/complete','params':{'ref':{'type':'ref/"
		"other'},'argument':{'name':'a','value':''}}}");
	json_decref(take_error(&o, "29", JSONRPC_INVALID_PARAMS));
	/* Found by fuzz-schedmcp: the message quotes the name cut to 64 bytes, here through
	 * the 2-byte U+00E9; that text was not UTF-8 and the request went unanswered. */
	feed(s, "{'jsonrpc':'2.0','id':30,'method':'completion/complete','params':{'ref':{'type':'ref/"
		"prompt','name':'look'},'argument':{'name':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaa\\u00e9','value':''}}}");
	msg = take_error(&o, "30", JSONRPC_INVALID_PARAMS);
	CHECK(strstr(error_message(msg), "has no argument aaa"));
	json_decref(msg);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);

	/* 2024-11-05: no titles on prompts or their arguments. */
	s = server_at(&o, &a, "2024-11-05");
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'prompts/list'}");
	result = take_result(&o, "2", &msg);
	list = json_object_get(result, "prompts");
	CHECK(json_object_get(json_array_get(list, 0), "title") == NULL);
	CHECK(json_object_get(json_array_get(json_object_get(json_array_get(list, 0), "arguments"), 0),
			      "title") == NULL);
	json_decref(msg);
	mcp_server_free(s);
	out_done(&o);
}

static void test_logging(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg, *params;

	/* Nothing before initialize. */
	mcp_server_logf(s, LOG_ERR, "t", "early %d", 1);
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);

	/* Off: nothing until the client calls logging/setLevel. */
	quiet_logs = true;
	s = server_at(&o, &a, "2025-06-18");
	mcp_server_logf(s, LOG_EMERG, "t", "unasked");
	CHECK_INT_EQ(0, unread(&o));
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'logging/setLevel','params':{'level':'error'}}");
	json_decref(take(&o));
	mcp_server_logf(s, LOG_ERR, "t", "asked");
	json_decref(take(&o));
	mcp_server_free(s);
	out_done(&o);

	s = server_at(&o, &a, "2025-06-18");
	/* info and above until the client says otherwise */
	mcp_server_logf(s, LOG_DEBUG, "t", "quiet");
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_logf(s, LOG_WARNING, "collector", "lost %s", "it");
	msg = take(&o);
	CHECK_STR_EQ("notifications/message", json_string_value(json_object_get(msg, "method")));
	params = json_object_get(msg, "params");
	CHECK_STR_EQ("warning", json_string_value(json_object_get(params, "level")));
	CHECK_STR_EQ("collector", json_string_value(json_object_get(params, "logger")));
	CHECK_STR_EQ("lost it", json_string_value(json_object_get(params, "data")));
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':2,'method':'logging/setLevel','params':{'level':'debug'}}");
	take_result(&o, "2", &msg);
	json_decref(msg);
	mcp_server_log(s, LOG_DEBUG, NULL, json_pack("{s:i}", "n", 1));
	msg = take(&o);
	CHECK_STR_EQ("debug", json_string_value(json_object_get(json_object_get(msg, "params"), "level")));
	CHECK(json_object_get(json_object_get(msg, "params"), "logger") == NULL);
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':3,'method':'logging/setLevel','params':{'level':'emergency'}}");
	take_result(&o, "3", &msg);
	json_decref(msg);
	mcp_server_logf(s, LOG_ALERT, "t", "not enough");
	CHECK_INT_EQ(0, unread(&o));
	feed(s, "{'jsonrpc':'2.0','id':4,'method':'logging/setLevel','params':{'level':'loud'}}");
	json_decref(take_error(&o, "4", JSONRPC_INVALID_PARAMS));
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'logging/setLevel'}");
	json_decref(take_error(&o, "5", JSONRPC_INVALID_PARAMS));
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);
}

static void test_batches(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_at(&o, &a, "2025-03-26");
	json_t *msg, *item;
	size_t i;
	int seen = 0;

	/* Answers in one array, notifications unanswered, errors in place. */
	feed(s, "[{'jsonrpc':'2.0','id':1,'method':'ping'},{'jsonrpc':'2.0','method':'notifications/x'},"
		"{'jsonrpc':'2.0','id':2,'method':'no/"
		"such'},5,{'jsonrpc':'2.0','id':3,'method':'initialize','params':{}}]");
	msg = take(&o);
	CHECK(json_is_array(msg));
	CHECK_INT_EQ(4, json_array_size(msg));
	json_array_foreach (msg, i, item) {
		json_t *id = json_object_get(item, "id");

		if (json_is_integer(id) && json_integer_value(id) == 1 && json_object_get(item, "result"))
			seen |= 1;
		if (json_is_integer(id) && json_integer_value(id) == 2 &&
		    json_integer_value(json_object_get(json_object_get(item, "error"), "code")) ==
			JSONRPC_METHOD_NOT_FOUND)
			seen |= 2;
		if (json_is_null(id))
			seen |= 4;
		if (json_is_integer(id) && json_integer_value(id) == 3 && json_object_get(item, "error"))
			seen |= 8;
	}
	CHECK_INT_EQ(15, seen);
	json_decref(msg);
	/* Notifications only: nothing at all. */
	feed(s, "[{'jsonrpc':'2.0','method':'notifications/x'}]");
	CHECK_INT_EQ(0, unread(&o));
	/* A member answered later holds the batch back until then. */
	feed(s, "[{'jsonrpc':'2.0','id':4,'method':'tools/"
		"call','params':{'name':'hold'}},{'jsonrpc':'2.0','id':5,'method':'ping'}]");
	CHECK_INT_EQ(0, unread(&o));
	mcp_request_reply_tool(a.held, json_object());
	msg = take(&o);
	CHECK_INT_EQ(2, json_array_size(msg));
	json_decref(msg);
	/* Still held when the server goes: freed with it (ASan: no leak). */
	feed(s, "[{'jsonrpc':'2.0','id':6,'method':'tools/call','params':{'name':'hold'}}]");
	mcp_server_free(s);
	out_done(&o);

	/* 2025-06-18 removed batches. */
	s = server_at(&o, &a, "2025-06-18");
	feed(s, "[{'jsonrpc':'2.0','id':1,'method':'ping'}]");
	msg = take_error(&o, "null", JSONRPC_INVALID_REQUEST);
	CHECK(strstr(error_message(msg), "2025-06-18") != NULL);
	json_decref(msg);
	feed(s, "[]");
	json_decref(take_error(&o, "null", JSONRPC_INVALID_REQUEST));
	mcp_server_free(s);
	out_done(&o);
}

static void on_response(void *userdata, const json_t *result, const json_t *error)
{
	struct app *a = userdata;

	a->responses++;
	json_decref(a->response);
	a->response = json_incref((json_t *)(result ? result : error));
}

static void test_client_requests(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_at(&o, &a, "2025-06-18");
	json_t *msg;

	/* The client declared no elicitation. */
	CHECK_INT_EQ(-EOPNOTSUPP, mcp_server_request(s, "elicitation", "elicitation/create", json_object(),
						     on_response, &a));
	CHECK_INT_EQ(0, unread(&o));
	mcp_server_free(s);
	out_done(&o);

	s = server_new(&o, &a);
	feed(s, "{'jsonrpc':'2.0','id':1,'method':'initialize','params':{'protocolVersion':'2025-06-18',"
		"'capabilities':{'sampling':{}},'clientInfo':{'name':'c','version':'0'}}}");
	json_decref(take(&o));
	CHECK(mcp_server_client_has(s, "sampling"));
	CHECK(!mcp_server_client_has(s, "roots"));
	CHECK_INT_EQ(0, mcp_server_request(s, "sampling", "sampling/createMessage",
					   json_pack("{s:i}", "maxTokens", 5), on_response, &a));
	msg = take(&o);
	CHECK_STR_EQ("sampling/createMessage", json_string_value(json_object_get(msg, "method")));
	CHECK_STR_EQ("s1", json_string_value(json_object_get(msg, "id")));
	json_decref(msg);
	feed(s, "{'jsonrpc':'2.0','id':'s1','result':{'role':'assistant'}}");
	CHECK_INT_EQ(1, a.responses);
	CHECK_STR_EQ("assistant", json_string_value(json_object_get(a.response, "role")));
	/* A second answer to the same id is no longer expected. */
	feed(s, "{'jsonrpc':'2.0','id':'s1','result':{}}");
	CHECK_INT_EQ(1, a.responses);
	/* One still open when the server goes gets an error. */
	mcp_server_request(s, NULL, "ping", NULL, on_response, &a);
	json_decref(take(&o));
	mcp_server_free(s);
	CHECK_INT_EQ(2, a.responses);
	CHECK(json_object_get(a.response, "code") != NULL);
	json_decref(a.response);
	CHECK_INT_EQ(0, unread(&o));
	out_done(&o);
}

static void test_discover(void)
{
	struct out o;
	struct app a;
	struct mcp_server *s = server_new(&o, &a);
	json_t *msg;

	/* A 2026-07-28 client probes with server/discover: a plain -32601
	 * (no modern error) sends it back to initialize. */
	feed(s, "{'jsonrpc':'2.0','id':'d','method':'server/discover','params':{'_meta':{"
		"'io.modelcontextprotocol/protocolVersion':'2026-07-28'}}}");
	msg = take_error(&o, "\"d\"", JSONRPC_METHOD_NOT_FOUND);
	CHECK(strstr(error_message(msg), "send initialize") != NULL);
	json_decref(msg);
	send_initialize(s, 1, "2026-07-28");
	msg = take(&o);
	CHECK_STR_EQ("2025-11-25",
		     json_string_value(json_object_get(json_object_get(msg, "result"), "protocolVersion")));
	json_decref(msg);
	mcp_server_free(s);
	out_done(&o);
}

int main(void)
{
	test_version_list();
	test_versions();
	test_initialize_params();
	test_before_initialize();
	test_methods();
	test_notifications();
	test_read();
	test_invalid_lines();
	test_counters();
	test_write_failure();
	test_tools();
	test_subscriptions();
	test_cancel();
	test_progress("2024-11-05", false);
	test_progress("2025-03-26", true);
	test_in_flight();
	test_paging();
	test_budget();
	test_templates();
	test_template_subscriptions();
	test_prompts_and_completion();
	test_logging();
	test_batches();
	test_client_requests();
	test_discover();
	return test_result("test-mcp-server");
}
