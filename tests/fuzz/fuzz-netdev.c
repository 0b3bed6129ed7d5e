/* fuzz-netdev.c: libFuzzer target for the /proc/net/dev parser.
 *
 * The input, NUL-terminated, is one /proc/net/dev. Checked: a failure leaves *ret untouched and
 * gives a message; a success has interfaces sorted by name with no name twice, each name of 1 to 15
 * characters, and netdev_table_find() finds every one of them and nothing else. */
#include "fuzz-util.h"
#include "netdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *err = NULL;
	struct netdev_table t, untouched;
	int r;

	memset(&t, 0xa5, sizeof(t));
	untouched = t;
	r = netdev_parse(text, &t, &err);
	if (r < 0) {
		FUZZ_CHECK(err && memcmp(&t, &untouched, sizeof(t)) == 0);
		free(err);
		free(text);
		return 0;
	}
	FUZZ_CHECK(!err && (t.nr == 0 || t.ifaces));
	for (unsigned i = 0; i < t.nr; i++) {
		const char *name = t.ifaces[i].name;
		size_t len = strnlen(name, NETDEV_NAME_MAX);

		FUZZ_CHECK(len >= 1 && len < NETDEV_NAME_MAX && !strpbrk(name, ": \t\n"));
		FUZZ_CHECK(i == 0 || strcmp(t.ifaces[i - 1].name, name) < 0);
		FUZZ_CHECK(netdev_table_find(&t, name) == &t.ifaces[i]);
	}
	FUZZ_CHECK(!netdev_table_find(&t, ""));
	for (unsigned c = 0; c < NETDEV_COUNTER_MAX; c++)
		FUZZ_CHECK(netdev_counter_to_string(c));
	netdev_table_done(&t);
	free(text);
	return 0;
}
