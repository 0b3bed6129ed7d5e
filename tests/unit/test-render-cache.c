/* test-render-cache.c: unit tests for render-cache.c: stamps, expiry, LRU and byte limits. */
#include <errno.h>
#include <string.h>

#include "render-cache.h"
#include "test-util.h"

static char *text(const char *s)
{
	return strdup(s);
}

static void test_stamps(void)
{
	_cleanup_(render_cache_freep) struct render_cache *c = NULL;
	struct render_stamp a = {.source = {100, 2, 1000}}, b = {.source = {200, 3, 1000}};
	size_t len = 0, entries, bytes;
	uint64_t hits, misses;
	const char *got;

	CHECK_INT_EQ(0, render_cache_new(4, 1024, &c));
	CHECK(render_cache_get(c, "stats://aggregated/cpu {}", &a, 0, &len) == NULL);
	CHECK_INT_EQ(0, render_cache_put(c, "stats://aggregated/cpu {}", &a, text("{\"x\":1}"), 7));
	got = render_cache_get(c, "stats://aggregated/cpu {}", &a, 0, &len);
	CHECK(got != NULL);
	CHECK_INT_EQ(7, len);
	CHECK(got && memcmp(got, "{\"x\":1}", 7) == 0);
	/* the window moved: the answer is stale */
	CHECK(render_cache_get(c, "stats://aggregated/cpu {}", &b, 0, &len) == NULL);
	/* other arguments are another answer */
	CHECK(render_cache_get(c, "stats://aggregated/cpu {\"window\":1}", &a, 0, &len) == NULL);
	/* replaced in place under the same key */
	CHECK_INT_EQ(0, render_cache_put(c, "stats://aggregated/cpu {}", &b, text("{\"x\":2}"), 7));
	got = render_cache_get(c, "stats://aggregated/cpu {}", &b, 0, &len);
	CHECK(got && memcmp(got, "{\"x\":2}", 7) == 0);
	CHECK(render_cache_get(c, "stats://aggregated/cpu {}", &a, 0, &len) == NULL);
	render_cache_stats(c, &entries, &bytes, &hits, &misses);
	CHECK_INT_EQ(1, entries);
	CHECK_INT_EQ(7, bytes);
	CHECK_INT_EQ(2, hits);
	CHECK_INT_EQ(4, misses);
}

static void test_expiry(void)
{
	_cleanup_(render_cache_freep) struct render_cache *c = NULL;
	struct render_stamp s = {.source = {42, 3}, .expires_ns = 5000};
	size_t len;

	CHECK_INT_EQ(0, render_cache_new(2, 1024, &c));
	CHECK_INT_EQ(0, render_cache_put(c, "topology://info {}", &s, text("{}"), 2));
	CHECK(render_cache_get(c, "topology://info {}", &s, 4999, &len) != NULL);
	CHECK(render_cache_get(c, "topology://info {}", &s, 5000, &len) == NULL);
}

static void test_limits(void)
{
	_cleanup_(render_cache_freep) struct render_cache *c = NULL;
	struct render_stamp s = {.source = {1}};
	size_t len, entries, bytes;
	uint64_t hits, misses;

	CHECK_INT_EQ(0, render_cache_new(2, 10, &c));
	CHECK_INT_EQ(0, render_cache_put(c, "a", &s, text("aaaa"), 4));
	CHECK_INT_EQ(0, render_cache_put(c, "b", &s, text("bbbb"), 4));
	CHECK(render_cache_get(c, "a", &s, 0, &len) != NULL); /* b is now the least recently used */
	CHECK_INT_EQ(0, render_cache_put(c, "c", &s, text("cccc"), 4));
	CHECK(render_cache_get(c, "b", &s, 0, &len) == NULL);
	CHECK(render_cache_get(c, "a", &s, 0, &len) != NULL);
	CHECK(render_cache_get(c, "c", &s, 0, &len) != NULL);
	/* bytes: c grows from 4 to 7, which with a's 4 is past 10: a goes */
	CHECK_INT_EQ(0, render_cache_put(c, "c", &s, text("ccccccc"), 7));
	CHECK(render_cache_get(c, "a", &s, 0, &len) == NULL);
	CHECK(render_cache_get(c, "c", &s, 0, &len) != NULL);
	CHECK_INT_EQ(7, len);
	/* larger than the whole cache: not kept, nothing else lost */
	CHECK_INT_EQ(1, render_cache_put(c, "d", &s, text("ddddddddddd"), 11));
	CHECK(render_cache_get(c, "d", &s, 0, &len) == NULL);
	CHECK(render_cache_get(c, "c", &s, 0, &len) != NULL);
	render_cache_stats(c, &entries, &bytes, &hits, &misses);
	CHECK_INT_EQ(1, entries);
	CHECK_INT_EQ(7, bytes);
	CHECK_INT_EQ(-EINVAL, render_cache_new(0, 10, &c));
}

int main(void)
{
	test_stamps();
	test_expiry();
	test_limits();
	return test_result("test-render-cache");
}
