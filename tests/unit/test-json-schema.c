/* test-json-schema.c: the tool-argument validator accepts what a schema allows and names what it refuses. */
#include <errno.h>
#include <jansson.h>

#include "json-schema.h"
#include "test-util.h"

static const char schema_text[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"mode\":{\"type\":\"string\",\"enum\":[\"summary\",\"pairs\"]},"
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000},"
	"\"ratio\":{\"type\":\"number\",\"maximum\":1.5},"
	"\"flag\":{\"type\":\"boolean\"},"
	"\"comm\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":15},"
	"\"pids\":{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"minimum\":0},\"maxItems\":3},"
	"\"any\":{\"type\":[\"string\",\"integer\"]}},"
	"\"required\":[\"mode\"],\"additionalProperties\":false}";

static int validate(const json_t *schema, const char *json, char *err, size_t size)
{
	json_t *v = json_loads(json, 0, NULL);
	int r;

	if (!v)
		return -999;
	r = json_schema_validate(schema, v, err, size);
	json_decref(v);
	return r;
}

#define CHECK_VALID(json) CHECK_INT_EQ(0, validate(schema, json, err, sizeof(err)))
#define CHECK_INVALID(json, msg)                                                \
	do {                                                                    \
		CHECK_INT_EQ(-EINVAL, validate(schema, json, err, sizeof(err))); \
		CHECK_STR_EQ(msg, err);                                         \
	} while (0)

int main(void)
{
	json_t *schema = json_loads(schema_text, 0, NULL), *bad;
	char err[256] = "";

	CHECK(schema != NULL);
	CHECK_INT_EQ(0, json_schema_check(schema, err, sizeof(err)));

	CHECK_VALID("{\"mode\":\"summary\"}");
	CHECK_VALID("{\"mode\":\"pairs\",\"limit\":1000,\"ratio\":1.5,\"flag\":false,\"comm\":\"bash\","
		    "\"pids\":[1,2,3],\"any\":\"x\"}");
	CHECK_VALID("{\"mode\":\"pairs\",\"ratio\":1,\"any\":7}");

	CHECK_INVALID("{}", "missing required property 'mode'");
	CHECK_INVALID("{\"mode\":\"huge\"}", "mode: must be one of: summary, pairs");
	CHECK_INVALID("{\"mode\":3}", "mode: must be a string");
	CHECK_INVALID("{\"mode\":\"summary\",\"limit\":0}", "limit: must be >= 1");
	CHECK_INVALID("{\"mode\":\"summary\",\"limit\":1001}", "limit: must be <= 1000");
	CHECK_INVALID("{\"mode\":\"summary\",\"limit\":1.5}", "limit: must be an integer");
	CHECK_INVALID("{\"mode\":\"summary\",\"limit\":\"5\"}", "limit: must be an integer");
	CHECK_INVALID("{\"mode\":\"summary\",\"ratio\":2}", "ratio: must be <= 1.5");
	CHECK_INVALID("{\"mode\":\"summary\",\"flag\":1}", "flag: must be a boolean");
	CHECK_INVALID("{\"mode\":\"summary\",\"comm\":\"\"}", "comm: must be at least 1 characters");
	CHECK_INVALID("{\"mode\":\"summary\",\"comm\":\"0123456789abcdef\"}", "comm: must be at most 15 characters");
	CHECK_INVALID("{\"mode\":\"summary\",\"pids\":[1,-2]}", "pids[1]: must be >= 0");
	CHECK_INVALID("{\"mode\":\"summary\",\"pids\":[1,2,3,4]}", "pids: must have at most 3 items");
	CHECK_INVALID("{\"mode\":\"summary\",\"any\":true}", "any: has the wrong type");
	CHECK_INVALID("{\"mode\":\"summary\",\"bogus\":1}", "unknown property 'bogus'");

	/* A schema using a keyword we cannot enforce is refused up front. */
	bad = json_loads("{\"type\":\"object\",\"properties\":{\"x\":{\"pattern\":\"^a\"}}}", 0, NULL);
	CHECK_INT_EQ(-EOPNOTSUPP, json_schema_check(bad, err, sizeof(err)));
	CHECK_STR_EQ("unsupported schema keyword 'pattern'", err);
	json_decref(bad);
	bad = json_loads("[1]", 0, NULL);
	CHECK_INT_EQ(-EINVAL, json_schema_check(bad, err, sizeof(err)));
	json_decref(bad);

	json_decref(schema);

	/* 2020-12 style local references, as the conformance suite's tool has. */
	schema = json_loads("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
			    "\"$defs\":{\"address\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
			    "\"additionalProperties\":false}},"
			    "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"}},"
			    "\"additionalProperties\":false}", 0, NULL);
	CHECK_INT_EQ(0, json_schema_check(schema, err, sizeof(err)));
	CHECK_VALID("{\"name\":\"a\",\"address\":{\"city\":\"b\"}}");
	CHECK_INVALID("{\"address\":{\"city\":5}}", "address.city: must be a string");
	CHECK_INVALID("{\"address\":{\"zip\":\"1\"}}", "address: unknown property 'zip'");
	json_decref(schema);
	/* References that lead nowhere, or loop, are refused. */
	bad = json_loads("{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"#/$defs/nope\"}}}", 0, NULL);
	CHECK_INT_EQ(-EINVAL, json_schema_check(bad, err, sizeof(err)));
	json_decref(bad);
	bad = json_loads("{\"properties\":{\"x\":{\"$ref\":\"http://elsewhere/s.json\"}}}", 0, NULL);
	CHECK_INT_EQ(-EINVAL, json_schema_check(bad, err, sizeof(err)));
	json_decref(bad);
	bad = json_loads("{\"properties\":{\"x\":{\"$defs\":{}}}}", 0, NULL);
	CHECK_INT_EQ(-EINVAL, json_schema_check(bad, err, sizeof(err)));
	json_decref(bad);
	schema = json_loads("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}", 0, NULL);
	CHECK_INT_EQ(0, json_schema_check(schema, err, sizeof(err)));
	CHECK_INT_EQ(-EINVAL, validate(schema, "{}", err, sizeof(err)));
	json_decref(schema);
	return test_result("test-json-schema");
}
