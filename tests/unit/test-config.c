/* test-config.c: unit tests for config.c: defaults, valid files, every kind of bad line and its message. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "test-util.h"

#define NAME "test.conf"
#define LONG_GROUP "gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg"
#define HUGE "99999999999999999999999"
#define HUGE_PREFIX NAME ":2: MaxClients=" HUGE ": "

static void test_defaults(void)
{
	struct config c;

	memset(&c, 0xaa, sizeof(c));
	config_defaults(&c);
	CHECK_STR_EQ("", c.admin_group);
	CHECK_INT_EQ((gid_t)-1, c.admin_gid);
	CHECK_INT_EQ(64, c.max_clients);
	CHECK_INT_EQ(32, c.max_requests_in_flight);
	CHECK_INT_EQ(4u << 20, c.max_queued_bytes);
	CHECK_INT_EQ(16u << 20, c.max_message_bytes);
	CHECK_INT_EQ(1000, c.interval_msec);
	CHECK_INT_EQ(600, c.history_seconds);
}

/* A group that exists here, for AdminGroup=; root's is there in any sane system. */
static const char *some_group(gid_t *ret_gid)
{
	static char name[64];
	struct group *g = getgrgid(getgid());

	if (!g || strlen(g->gr_name) >= sizeof(name))
		g = getgrgid(0);
	if (!g || strlen(g->gr_name) >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%s", g->gr_name);
	*ret_gid = g->gr_gid;
	return name;
}

static void test_valid(void)
{
	struct config c;
	char *err = NULL, *text;
	const char *group;
	gid_t gid = 0;
	int r;

	group = some_group(&gid);
	if (!group) {
		fprintf(stderr, "no group name for gid %u or 0, AdminGroup= not tested with a group\n",
			(unsigned)getgid());
		group = "";
		gid = (gid_t)-1;
	}
	if (asprintf(&text,
		     "[Access]\n"
		     "AdminGroup=%s\n"
		     "[Limits]\n"
		     "MaxClients=4096\n"
		     "MaxRequestsInFlight=1\n"
		     "MaxQueuedBytes=65536\n"
		     "MaxMessageBytes=268435456\n"
		     "[Sampling]\n"
		     "IntervalMSec=100\n"
		     "HistorySeconds=86400\n",
		     group) < 0)
		abort();
	config_defaults(&c);
	r = config_parse(NAME, text, &c, &err);
	CHECK_INT_EQ(0, r);
	CHECK(err == NULL);
	free(err);
	err = NULL;
	free(text);
	CHECK_STR_EQ(group, c.admin_group);
	CHECK_INT_EQ(gid, c.admin_gid);
	CHECK_INT_EQ(4096, c.max_clients);
	CHECK_INT_EQ(1, c.max_requests_in_flight);
	CHECK_INT_EQ(65536, c.max_queued_bytes);
	CHECK_INT_EQ(268435456, c.max_message_bytes);
	CHECK_INT_EQ(100, c.interval_msec);
	CHECK_INT_EQ(86400, c.history_seconds);

	/* An empty AdminGroup= takes the admin group away again. */
	CHECK_INT_EQ(0, config_parse(NAME, "[Access]\nAdminGroup=\n", &c, &err));
	CHECK_STR_EQ("", c.admin_group);
	CHECK_INT_EQ((gid_t)-1, c.admin_gid);

	/* Sections may repeat, later values win, and an empty text changes nothing. */
	config_defaults(&c);
	CHECK_INT_EQ(0, config_parse(NAME, "[Limits]\nMaxClients=5\n[Sampling]\n[Limits]\nMaxClients=6\n", &c,
				     &err));
	CHECK_INT_EQ(6, c.max_clients);
	CHECK_INT_EQ(0, config_parse(NAME, "", &c, &err));
	CHECK_INT_EQ(6, c.max_clients);
	CHECK_INT_EQ(32, c.max_requests_in_flight);
	CHECK(err == NULL);
}

static void test_layout(void)
{
	static const char text[] = "# collectord.conf\n"
				   "; an old-style comment\n"
				   "\n"
				   "   \t\n"
				   "  [Limits]  \r\n"
				   "\tMaxClients \t=\t 12  \r\n"
				   "   # indented comment\n"
				   "MaxRequestsInFlight=7\n"
				   "\n"
				   "[Sampling]\n"
				   "IntervalMSec = 250\n"
				   "HistorySeconds=60"; /* no final newline */
	struct config c;
	char *err = NULL;

	config_defaults(&c);
	CHECK_INT_EQ(0, config_parse(NAME, text, &c, &err));
	CHECK(err == NULL);
	CHECK_INT_EQ(12, c.max_clients);
	CHECK_INT_EQ(7, c.max_requests_in_flight);
	CHECK_INT_EQ(250, c.interval_msec);
	CHECK_INT_EQ(60, c.history_seconds);
	CHECK_INT_EQ(4u << 20, c.max_queued_bytes);
}

static void test_suffixes(void)
{
	struct config c;
	char *err = NULL;

	config_defaults(&c);
	CHECK_INT_EQ(0, config_parse(NAME, "[Limits]\nMaxQueuedBytes=64K\nMaxMessageBytes=16M\n", &c, &err));
	CHECK_INT_EQ(64 * 1024, c.max_queued_bytes);
	CHECK_INT_EQ(16 * 1024 * 1024, c.max_message_bytes);
	CHECK_INT_EQ(0, config_parse(NAME, "[Limits]\nMaxQueuedBytes=1G\nMaxMessageBytes=256M\n", &c, &err));
	CHECK_INT_EQ(1u << 30, c.max_queued_bytes);
	CHECK_INT_EQ(256u << 20, c.max_message_bytes);
	CHECK_INT_EQ(0, config_parse(NAME, "[Limits]\nMaxQueuedBytes=100K\n", &c, &err));
	CHECK_INT_EQ(100 * 1024, c.max_queued_bytes);
	CHECK(err == NULL);
}

/* Parses text on top of the defaults: must fail with -EINVAL and exactly `expected`;
 * the configuration passed in is left exactly as it was. */
static void check_bad(const char *text, const char *expected)
{
	struct config c, before;
	char *err = NULL;

	config_defaults(&c);
	c.max_clients = 7; /* a marker the failed parse must not touch */
	before = c;
	CHECK_INT_EQ(-EINVAL, config_parse(NAME, text, &c, &err));
	CHECK_STR_EQ(expected, err);
	CHECK(memcmp(&c, &before, sizeof(c)) == 0);
	free(err);

	/* Without a place for the message it fails the same. */
	CHECK_INT_EQ(-EINVAL, config_parse(NAME, text, &c, NULL));
}

static void test_bad(void)
{
	check_bad("[Bogus]\n", NAME ":1: unknown section [Bogus]");
	check_bad("[limits]\n", NAME ":1: unknown section [limits]");
	check_bad("[]\n", NAME ":1: unknown section []");
	check_bad("[Limits]\nMaxClients=5\nBogus=1\n", NAME ":3: unknown key Bogus= in [Limits]");
	/* A key is known only in its own section. */
	check_bad("[Sampling]\nMaxClients=5\n", NAME ":2: unknown key MaxClients= in [Sampling]");
	check_bad("MaxClients=5\n", NAME ":1: MaxClients= outside of a section");
	check_bad("# comment\n\nMaxClients=5\n", NAME ":3: MaxClients= outside of a section");
	check_bad("[Limits]\nMaxClients 5\n", NAME ":2: expected Key=Value");
	check_bad("[Limits\n", NAME ":1: malformed section header");
	check_bad("[Limits] x\n", NAME ":1: malformed section header");
	check_bad("[Limits]]\n", NAME ":1: malformed section header");
	check_bad("[Limits] # comment\n", NAME ":1: malformed section header");

	check_bad("[Limits]\nMaxClients=0\n", NAME ":2: MaxClients=0: value out of range (allowed 1..4096)");
	check_bad("[Limits]\nMaxClients=4097\n",
		  NAME ":2: MaxClients=4097: value out of range (allowed 1..4096)");
	check_bad("[Sampling]\nIntervalMSec=99\n",
		  NAME ":2: IntervalMSec=99: value out of range (allowed 100..60000)");
	check_bad("[Limits]\nMaxQueuedBytes=63K\n",
		  NAME ":2: MaxQueuedBytes=63K: value out of range (allowed 65536..1073741824)");
	check_bad("[Limits]\nMaxQueuedBytes=2G\n",
		  NAME ":2: MaxQueuedBytes=2G: value out of range (allowed 65536..1073741824)");
	check_bad("[Limits]\nMaxQueuedBytes=18446744073709551615K\n",
		  NAME ":2: MaxQueuedBytes=18446744073709551615K: value out of range "
		       "(allowed 65536..1073741824)");
	check_bad("[Limits]\nMaxClients=-5\n",
		  NAME ":2: MaxClients=-5: expected a non-negative number (allowed 1..4096)");
	check_bad("[Limits]\nMaxClients=\n",
		  NAME ":2: MaxClients=: expected a non-negative number (allowed 1..4096)");
	check_bad("[Limits]\nMaxClients=abc\n",
		  NAME ":2: MaxClients=abc: expected a number (allowed 1..4096)");
	check_bad("[Limits]\nMaxClients=5x\n",
		  NAME ":2: MaxClients=5x: trailing characters after the number (allowed 1..4096)");
	check_bad("[Limits]\nMaxClients=5 6\n",
		  NAME ":2: MaxClients=5 6: trailing characters after the number (allowed 1..4096)");
	/* Suffixes are for sizes only. */
	check_bad("[Limits]\nMaxClients=1K\n",
		  NAME ":2: MaxClients=1K: trailing characters after the number (allowed 1..4096)");
	check_bad("[Limits]\nMaxQueuedBytes=64k\n",
		  NAME ":2: MaxQueuedBytes=64k: trailing characters after the number (suffixes: K, M, G) "
		       "(allowed 65536..1073741824)");
	check_bad("[Limits]\nMaxQueuedBytes=64KB\n",
		  NAME ":2: MaxQueuedBytes=64KB: trailing characters after the number (suffixes: K, M, G) "
		       "(allowed 65536..1073741824)");
	check_bad("[Access]\nAdminGroup=schedmcp-no-such-group-xyz\n",
		  NAME ":2: AdminGroup=schedmcp-no-such-group-xyz: no such group");
	/* 64 characters: one more than admin_group holds. */
	check_bad("[Access]\nAdminGroup=" LONG_GROUP "\n",
		  NAME ":2: AdminGroup=" LONG_GROUP ": group name too long");

	/* Line numbers count blank lines, comments and CRLF lines, and the
	 * lines before the bad one took effect only in a copy. */
	check_bad("# header\r\n"
		  "\r\n"
		  "[Limits]\r\n"
		  "; note\r\n"
		  "MaxClients=9\r\n"
		  "\r\n"
		  "MaxRequestsInFlight=0\r\n"
		  "[Sampling]\r\n",
		  NAME ":7: MaxRequestsInFlight=0: value out of range (allowed 1..1024)");
}

/* Too big for any integer: refused, and the message gives the range. */
static void test_huge_number(void)
{
	struct config c;
	char *err = NULL;

	config_defaults(&c);
	CHECK_INT_EQ(-EINVAL, config_parse(NAME, "[Limits]\nMaxClients=" HUGE "\n", &c, &err));
	CHECK(err && strncmp(err, HUGE_PREFIX, strlen(HUGE_PREFIX)) == 0);
	CHECK(err && strstr(err, "(allowed 1..4096)"));
	CHECK_INT_EQ(64, c.max_clients);
	free(err);
}

/* Writes `len` bytes to a new file in dir; returns its path. */
static char *write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	f = fopen(path, "we");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
	return path;
}

static void test_load(void)
{
	char dir[] = "/tmp/test-config-XXXXXX";
	static const char good[] = "[Limits]\nMaxClients=3\n";
	static const char with_nul[] = "[Limits]\nMaxClients=3\n\0\n";
	size_t big_len = 64 * 1024 + 1;
	char *big = malloc(big_len), *path, *err = NULL;
	struct config c;

	if (!big || !mkdtemp(dir))
		abort();

	memset(&c, 0xaa, sizeof(c));
	path = write_file(dir, "missing", "", 0);
	unlink(path);
	CHECK_INT_EQ(0, config_load(path, &c, &err));
	CHECK(err == NULL);
	CHECK_INT_EQ(64, c.max_clients);
	CHECK_INT_EQ(600, c.history_seconds);
	CHECK_INT_EQ((gid_t)-1, c.admin_gid);
	free(path);

	memset(&c, 0xaa, sizeof(c));
	path = write_file(dir, "good.conf", good, strlen(good));
	CHECK_INT_EQ(0, config_load(path, &c, &err));
	CHECK(err == NULL);
	CHECK_INT_EQ(3, c.max_clients);
	CHECK_INT_EQ(32, c.max_requests_in_flight); /* on top of the defaults */
	unlink(path);
	free(path);

	config_defaults(&c);
	path = write_file(dir, "nul.conf", with_nul, sizeof(with_nul) - 1);
	CHECK_INT_EQ(-EINVAL, config_load(path, &c, &err));
	CHECK(err && strstr(err, "NUL"));
	CHECK(err && strncmp(err, path, strlen(path)) == 0);
	CHECK_INT_EQ(64, c.max_clients);
	free(err);
	err = NULL;
	unlink(path);
	free(path);

	/* Exactly 64 KiB is fine; one byte more is not. */
	memset(big, '#', big_len);
	big[big_len - 2] = '\n';
	path = write_file(dir, "max.conf", big + 1, big_len - 1);
	CHECK_INT_EQ(0, config_load(path, &c, &err));
	CHECK(err == NULL);
	unlink(path);
	free(path);
	path = write_file(dir, "big.conf", big, big_len);
	CHECK_INT_EQ(-EINVAL, config_load(path, &c, &err));
	CHECK(err && strstr(err, "larger than 65536 bytes"));
	free(err);
	err = NULL;
	unlink(path);
	free(path);

	/* A bad line in a file names the file and line. */
	path = write_file(dir, "bad.conf", "\n[Nope]\n", 8);
	config_defaults(&c);
	c.max_clients = 7;
	CHECK_INT_EQ(-EINVAL, config_load(path, &c, &err));
	if (err) {
		char *expected;

		if (asprintf(&expected, "%s:2: unknown section [Nope]", path) < 0)
			abort();
		CHECK_STR_EQ(expected, err);
		free(expected);
	}
	CHECK(err != NULL);
	CHECK_INT_EQ(7, c.max_clients);
	free(err);
	err = NULL;

	/* Not a missing file but an unreachable one: an error, with its errno. */
	{
		char *below;

		if (asprintf(&below, "%s/x.conf", path) < 0)
			abort();
		CHECK_INT_EQ(-ENOTDIR, config_load(below, &c, &err));
		CHECK(err && strstr(err, strerror(ENOTDIR)));
		free(err);
		err = NULL;
		free(below);
	}
	unlink(path);
	free(path);

	/* A directory opens but does not read. */
	CHECK_INT_EQ(-EINVAL, config_load(dir, &c, &err));
	CHECK(err && strstr(err, "read error"));
	free(err);

	rmdir(dir);
	free(big);
}

int main(void)
{
	test_defaults();
	test_valid();
	test_layout();
	test_suffixes();
	test_bad();
	test_huge_number();
	test_load();
	return test_result("test-config");
}
