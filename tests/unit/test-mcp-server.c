/* test-mcp-server.c: unit tests for mcp-server.c, driven line by line with a capturing write callback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "jsonrpc.h"
#include "mcp-server.h"
#include "test-util.h"

/* What the server wrote, one serialized message per entry. */
struct out {
	char *lines[64];
	size_t n, taken;
	unsigned calls;
	int fail; /* the write callback's return when nonzero */
};

struct app {
	struct mcp_request *held; /* a request test://later did not answer yet */
	int subscribes, unsubscribes;
	int subscribe_fail; /* the subscribe hook's return when nonzero */
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
	{ "test://hello", "hello", "Hello", "Says hello.", "application/json", read_now, "world", NULL, NULL },
	{ "test://later", "later", "Later", "Answers later.", "application/json", read_later, NULL, NULL, NULL },
	{ "test://untitled", "untitled", NULL, "Has no title.", "application/json", read_now, "plain", NULL, NULL },
	{ "test://live", "live", "Live", "Changes.", "application/json", read_now, "live", subscribe_hook,
	  unsubscribe_hook },
};

static void tool_echo(struct mcp_request *req, const struct mcp_tool *tool, const json_t *args, void *app)
{
	if (json_object_get(args, "fail")) {
		mcp_request_tool_error(req, "the echo failed; try again without fail");
		return;
	}
	mcp_request_reply_tool(req, json_pack("{s:O}", "echo", json_object_get(args, "n")));
}

static const struct mcp_tool tools[] = {
	{ "echo", "Echo", "Echoes n.",
	  "{'type':'object','properties':{'n':{'type':'integer','maximum':9},'fail':{'type':'boolean'}},"
	  "'required':['n'],'additionalProperties':false}",
	  "{'type':'object','properties':{'echo':{'type':'integer'}}}", MCP_TOOL_READ_ONLY, tool_echo, NULL },
};

/* The tool schemas above use ' for "; the server needs real JSON. */
static struct mcp_tool *tools_json(void)
{
	static struct mcp_tool copy[ELEMENTSOF(tools)];
	static char buf[ELEMENTSOF(tools)][2][512];

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
		.tools = tools_json(),
		.n_tools = ELEMENTSOF(tools),
		.app = a,
		.write = write_line,
		.write_userdata = o,
	};
	struct mcp_server *s = NULL;

	memset(o, 0, sizeof(*o));
	memset(a, 0, sizeof(*a));
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
	CHECK(json_is_object(j));
	if (j)
		CHECK_STR_EQ("2.0", json_string_value(json_object_get(j, "jsonrpc")));
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
	static const char *const expected[] = { "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05" };
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
	/* test://live has hooks, so the server offers subscriptions. */
	CHECK(json_is_true(json_object_get(json_object_get(json_object_get(result, "capabilities"), "resources"),
					   "subscribe")));
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
	CHECK_INT_EQ(0, json_array_size(json_object_get(result, "resourceTemplates")));
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
static void check_tools(const char *version, bool titles, bool annotations, bool structured, bool arg_errors_as_results)
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

	feed(s, "{'jsonrpc':'2.0','id':3,'method':'tools/call','params':{'name':'echo','arguments':{'n':7}}}");
	result = take_result(&o, "3", &msg);
	CHECK(json_is_false(json_object_get(result, "isError")));
	CHECK_STR_EQ("{\"echo\":7}",
		     json_string_value(json_object_get(json_array_get(json_object_get(result, "content"), 0), "text")));
	CHECK_INT_EQ(structured, json_object_get(result, "structuredContent") != NULL);
	json_decref(msg);

	feed(s, "{'jsonrpc':'2.0','id':4,'method':'tools/call','params':{'name':'echo','arguments':{'n':7,'fail':true}}}");
	result = take_result(&o, "4", &msg);
	CHECK(json_is_true(json_object_get(result, "isError")));
	json_decref(msg);

	/* Arguments that break the schema name the field. */
	feed(s, "{'jsonrpc':'2.0','id':5,'method':'tools/call','params':{'name':'echo','arguments':{'n':10}}}");
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
	struct mcp_server_config cfg = { .name = "x", .version = "0", .tools = &bad, .n_tools = 1,
					 .write = write_line };

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
	return test_result("test-mcp-server");
}
