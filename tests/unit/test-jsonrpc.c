/* test-jsonrpc.c: unit tests for jsonrpc.c: classification of lines, error codes, message builders. */
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "jsonrpc.h"
#include "test-util.h"

struct parsed {
	enum jsonrpc_kind kind;
	int code;
	bool has_id;
	char id[64];     /* the id serialized, when present */
	char method[64]; /* "" when none */
	bool has_params;
	char message[256];
};

/* Parses a line and keeps a summary, so each case is one call and a few checks. */
static struct parsed parse_len(const char *line, size_t len)
{
	struct jsonrpc_msg m;
	struct parsed p = { 0 };

	jsonrpc_parse(line, len, &m);
	p.kind = m.kind;
	p.code = m.error_code;
	p.has_id = m.id != NULL;
	if (m.id) {
		char *s = json_dump_compact(m.id, NULL);

		snprintf(p.id, sizeof(p.id), "%s", s ? s : "?");
		free(s);
	}
	if (m.method)
		snprintf(p.method, sizeof(p.method), "%s", m.method);
	p.has_params = m.params != NULL;
	/* An INVALID message always says why. */
	snprintf(p.message, sizeof(p.message), "%s", m.error_message);
	if (m.kind == JSONRPC_INVALID)
		CHECK(m.error_message[0] != 0);
	else
		CHECK_INT_EQ(0, m.error_code);
	jsonrpc_msg_done(&m);
	CHECK(m.root == NULL);
	return p;
}

/* JSON in the tests below is written with ' for ", which is easier to read; ' is never needed. */
static char *dq(const char *s)
{
	char *r = strdup(s);

	if (!r)
		abort();
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static struct parsed parse(const char *line)
{
	char *l = dq(line);
	struct parsed p = parse_len(l, strlen(l));

	free(l);
	return p;
}

/* Compares a serialized message with JSON written with '. */
#define CHECK_JSON_EQ(expected, got)                        \
	do {                                                \
		char *_e = dq(expected);                    \
		check_str_eq(__FILE__, __LINE__, #got, _e, (got)); \
		free(_e);                                   \
	} while (0)

#define CHECK_INVALID(line, expected_code)                  \
	do {                                                \
		struct parsed _p = parse(line);             \
		CHECK_INT_EQ(JSONRPC_INVALID, _p.kind);     \
		CHECK_INT_EQ((expected_code), _p.code);     \
	} while (0)

static void test_invalid(void)
{
	struct parsed p;

	CHECK_INVALID("not json", JSONRPC_PARSE_ERROR);
	CHECK_INVALID("", JSONRPC_PARSE_ERROR);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':'x'", JSONRPC_PARSE_ERROR);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':'x'} trailing", JSONRPC_PARSE_ERROR);
	CHECK_INVALID("{}", JSONRPC_INVALID_REQUEST);

	/* A non-empty array is a batch for the core to take apart (or refuse);
	 * an empty one is invalid. Valid JSON that is no object is an invalid request. */
	CHECK_INVALID("[]", JSONRPC_INVALID_REQUEST);
	p = parse("[]");
	CHECK(strstr(p.message, "batch") != NULL);
	p = parse("[{'jsonrpc':'2.0','id':1,'method':'ping'}]");
	CHECK_INT_EQ(JSONRPC_BATCH, p.kind);
	p = parse("[1]");
	CHECK_INT_EQ(JSONRPC_BATCH, p.kind);
	CHECK_INVALID("42", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("'ping'", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("null", JSONRPC_INVALID_REQUEST);

	/* jsonrpc must be "2.0"; the id still comes back for the error. */
	p = parse("{'jsonrpc':'1.0','id':5,'method':'ping'}");
	CHECK_INT_EQ(JSONRPC_INVALID, p.kind);
	CHECK_INT_EQ(JSONRPC_INVALID_REQUEST, p.code);
	CHECK_STR_EQ("5", p.id);
	CHECK_INVALID("{'jsonrpc':2.0,'id':5,'method':'ping'}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'id':5,'method':'ping'}", JSONRPC_INVALID_REQUEST);

	/* Missing method: without an id, and with an id but no result/error. */
	CHECK_INVALID("{'jsonrpc':'2.0'}", JSONRPC_INVALID_REQUEST);
	p = parse("{'jsonrpc':'2.0','id':'a'}");
	CHECK_INT_EQ(JSONRPC_INVALID, p.kind);
	CHECK_INT_EQ(JSONRPC_INVALID_REQUEST, p.code);
	CHECK_STR_EQ("\"a\"", p.id);

	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':5}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':''}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':null}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','method':['x']}", JSONRPC_INVALID_REQUEST);

	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':'x','params':'s'}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':'x','params':3}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':'x','params':null}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','method':'x','params':true}", JSONRPC_INVALID_REQUEST);
}

static void test_ids(void)
{
	struct parsed p;

	/* MCP ids are strings or integers, never null, fractions or else. */
	p = parse("{'jsonrpc':'2.0','id':null,'method':'ping'}");
	CHECK_INT_EQ(JSONRPC_INVALID, p.kind);
	CHECK_INT_EQ(JSONRPC_INVALID_REQUEST, p.code);
	CHECK(!p.has_id);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1.5,'method':'ping'}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1.0,'method':'ping'}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':true,'method':'ping'}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':{},'method':'ping'}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','id':[1],'method':'ping'}", JSONRPC_INVALID_REQUEST);
	/* A null id on a response is no better. */
	CHECK_INVALID("{'jsonrpc':'2.0','id':null,'result':{}}", JSONRPC_INVALID_REQUEST);

	/* Too big for an integer: a parse error, the id unknown. */
	p = parse("{'jsonrpc':'2.0','id':1000000000000000000000000000000,'method':'ping'}");
	CHECK_INT_EQ(JSONRPC_INVALID, p.kind);
	CHECK_INT_EQ(JSONRPC_PARSE_ERROR, p.code);
	CHECK(!p.has_id);

	p = parse("{'jsonrpc':'2.0','id':-9223372036854775808,'method':'ping'}");
	CHECK_INT_EQ(JSONRPC_REQUEST, p.kind);
	CHECK_STR_EQ("-9223372036854775808", p.id);
	p = parse("{'jsonrpc':'2.0','id':0,'method':'ping'}");
	CHECK_INT_EQ(JSONRPC_REQUEST, p.kind);
	CHECK_STR_EQ("0", p.id);
	p = parse("{'jsonrpc':'2.0','id':'','method':'ping'}");
	CHECK_INT_EQ(JSONRPC_REQUEST, p.kind);
	CHECK_STR_EQ("\"\"", p.id);
}

static void test_hostile(void)
{
	static const char with_nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\0garbage";
	static const char with_tail[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}XXXX";
	size_t depth = 100000;
	char *s = malloc(depth + 1);
	struct parsed p;

	if (!s)
		abort();
	memset(s, '[', depth);
	s[depth] = 0;
	CHECK_INVALID(s, JSONRPC_PARSE_ERROR);
	memset(s, '{', depth);
	CHECK_INVALID(s, JSONRPC_PARSE_ERROR);
	free(s);

	/* Duplicate keys would make the id or method ambiguous. */
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'id':2,'method':'ping'}", JSONRPC_PARSE_ERROR);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':'ping','method':'x'}",
		      JSONRPC_PARSE_ERROR);
	CHECK_INVALID("{'jsonrpc':'2.0','id':1,'method':'x','params':{'a':1,'a':2}}",
		      JSONRPC_PARSE_ERROR);

	/* An embedded NUL ends nothing early: the length is what counts. */
	p = parse_len(with_nul, sizeof(with_nul) - 1);
	CHECK_INT_EQ(JSONRPC_INVALID, p.kind);
	CHECK_INT_EQ(JSONRPC_PARSE_ERROR, p.code);
	/* And nothing is read past it. */
	p = parse_len(with_tail, sizeof(with_tail) - 1 - 4);
	CHECK_INT_EQ(JSONRPC_REQUEST, p.kind);
}

static void test_big_line(void)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"big\",\"params\":{\"s\":\"";
	static const char tail[] = "\"}}";
	size_t n = 10u << 20, len = strlen(head) + n + strlen(tail);
	char *line = malloc(len + 1);
	struct jsonrpc_msg m;

	if (!line)
		abort();
	memcpy(line, head, strlen(head));
	memset(line + strlen(head), 'a', n);
	memcpy(line + strlen(head) + n, tail, strlen(tail) + 1);

	jsonrpc_parse(line, len, &m);
	CHECK_INT_EQ(JSONRPC_REQUEST, m.kind);
	CHECK_STR_EQ("big", m.method);
	CHECK_INT_EQ(7, json_integer_value(m.id));
	CHECK_INT_EQ(n, json_string_length(json_object_get(m.params, "s")));
	jsonrpc_msg_done(&m);
	free(line);
}

static void test_kinds(void)
{
	static const char req_line[] = "{\"jsonrpc\":\"2.0\",\"id\":\"r-1\",\"method\":\"resources/read\","
				       "\"params\":{\"uri\":\"x\"}}";
	struct jsonrpc_msg m;
	struct parsed p;

	jsonrpc_parse(req_line, strlen(req_line), &m);
	CHECK_INT_EQ(JSONRPC_REQUEST, m.kind);
	CHECK_STR_EQ("r-1", json_string_value(m.id));
	CHECK_STR_EQ("resources/read", m.method);
	CHECK_STR_EQ("x", json_string_value(json_object_get(m.params, "uri")));
	jsonrpc_msg_done(&m);

	p = parse("{'jsonrpc':'2.0','id':3,'method':'ping'}");
	CHECK_INT_EQ(JSONRPC_REQUEST, p.kind);
	CHECK(!p.has_params);
	p = parse("{'jsonrpc':'2.0','id':3,'method':'x','params':[1,2]}");
	CHECK_INT_EQ(JSONRPC_REQUEST, p.kind);
	CHECK(p.has_params);

	/* Notifications: a method and no id. */
	p = parse("{'jsonrpc':'2.0','method':'notifications/initialized'}");
	CHECK_INT_EQ(JSONRPC_NOTIFICATION, p.kind);
	CHECK_STR_EQ("notifications/initialized", p.method);
	CHECK(!p.has_id);
	p = parse("{'jsonrpc':'2.0','method':'notifications/cancelled','params':{'requestId':1}}");
	CHECK_INT_EQ(JSONRPC_NOTIFICATION, p.kind);
	CHECK(p.has_params);

	/* Responses: an id and exactly one of result and error. */
	p = parse("{'jsonrpc':'2.0','id':4,'result':{}}");
	CHECK_INT_EQ(JSONRPC_RESPONSE, p.kind);
	CHECK_STR_EQ("4", p.id);
	p = parse("{'jsonrpc':'2.0','id':'q','error':{'code':-1,'message':'m'}}");
	CHECK_INT_EQ(JSONRPC_RESPONSE, p.kind);
	CHECK_STR_EQ("\"q\"", p.id);
	CHECK_INVALID("{'jsonrpc':'2.0','id':4,'result':{},'error':{}}", JSONRPC_INVALID_REQUEST);
	CHECK_INVALID("{'jsonrpc':'2.0','result':{}}", JSONRPC_INVALID_REQUEST);
}

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(j);
	return s ? s : strdup("(null)");
}

static void test_builders(void)
{
	json_t *id = json_string("abc"), *msg;
	char *s;

	s = dump(jsonrpc_error(id, JSONRPC_METHOD_NOT_FOUND, "Method not found: x", NULL));
	CHECK_JSON_EQ("{'error':{'code':-32601,'message':'Method not found: x'},'id':'abc','jsonrpc':'2.0'}",
		      s);
	free(s);
	s = dump(jsonrpc_result(id, json_pack("{s:i}", "n", 1)));
	CHECK_JSON_EQ("{'id':'abc','jsonrpc':'2.0','result':{'n':1}}", s);
	free(s);
	json_decref(id);

	/* The id is copied: the message outlives the request it answers. */
	id = json_integer(42);
	msg = jsonrpc_result(id, json_object());
	json_decref(id);
	s = dump(msg);
	CHECK_JSON_EQ("{'id':42,'jsonrpc':'2.0','result':{}}", s);
	free(s);

	id = json_integer(-7);
	s = dump(jsonrpc_error(id, MCP_RESOURCE_NOT_FOUND, "Resource not found",
			       json_pack("{s:s}", "uri", "u")));
	CHECK_JSON_EQ("{'error':{'code':-32002,'data':{'uri':'u'},'message':'Resource not found'},"
		      "'id':-7,'jsonrpc':'2.0'}",
		      s);
	free(s);
	json_decref(id);

	s = dump(jsonrpc_error(NULL, JSONRPC_PARSE_ERROR, "Parse error", NULL));
	CHECK_JSON_EQ("{'error':{'code':-32700,'message':'Parse error'},'id':null,'jsonrpc':'2.0'}", s);
	free(s);

	CHECK(jsonrpc_result(NULL, NULL) == NULL);

	s = dump(jsonrpc_notification("notifications/message", json_pack("{s:s}", "level", "info")));
	CHECK_JSON_EQ("{'jsonrpc':'2.0','method':'notifications/message','params':{'level':'info'}}", s);
	free(s);
	s = dump(jsonrpc_notification("notifications/x", NULL));
	CHECK_JSON_EQ("{'jsonrpc':'2.0','method':'notifications/x'}", s);
	free(s);
}

int main(void)
{
	test_invalid();
	test_ids();
	test_hostile();
	test_big_line();
	test_kinds();
	test_builders();
	return test_result("test-jsonrpc");
}
