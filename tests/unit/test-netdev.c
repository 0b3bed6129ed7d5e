/* test-netdev.c: unit tests for netdev.c (/proc/net/dev). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "netdev.h"
#include "test-proc.h"

#define HEADER                                                                                               \
	"Inter-|   Receive                                                |  Transmit\n"                     \
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo " \
	"colls carrier compressed\n"

static void test_fixture(void)
{
	_cleanup_free_ char *root = fixture_root("2socket-smt/t1"), *error = NULL;
	struct netdev_table t = {};
	const struct netdev_iface *e;

	CHECK_INT_EQ(0, netdev_read(root, &t, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(4, t.nr);
	/* Sorted by name, whatever the kernel's order. */
	CHECK_STR_EQ("eno1", t.ifaces[0].name);
	CHECK_STR_EQ("eno2", t.ifaces[1].name);
	CHECK_STR_EQ("lo", t.ifaces[2].name);
	CHECK_STR_EQ("veth1", t.ifaces[3].name);
	e = netdev_table_find(&t, "eno1");
	CHECK(e == &t.ifaces[0]);
	CHECK_INT_EQ(901250000000, e->c[NETDEV_RX_BYTES]);
	CHECK_INT_EQ(801000000, e->c[NETDEV_RX_PACKETS]);
	CHECK_INT_EQ(35, e->c[NETDEV_RX_DROPS]);
	CHECK_INT_EQ(1200, e->c[NETDEV_RX_MULTICAST]);
	CHECK_INT_EQ(70250000000, e->c[NETDEV_TX_BYTES]);
	CHECK_INT_EQ(2, e->c[NETDEV_TX_ERRORS]);
	CHECK(netdev_table_find(&t, "eth9") == NULL);
	CHECK(netdev_table_find(&t, "a-name-longer-than-ifnamsiz") == NULL);
	CHECK_STR_EQ("tx_drops", netdev_counter_to_string(NETDEV_TX_DROPS));
	netdev_table_done(&t);
}

static void test_parse(void)
{
	_cleanup_free_ char *error = NULL;
	struct netdev_table t = {};

	/* No interfaces (an empty network namespace has at least lo, but still). */
	CHECK_INT_EQ(0, netdev_parse(HEADER, &t, &error));
	CHECK_INT_EQ(0, t.nr);
	netdev_table_done(&t);

	/* Old kernels printed no blank after the colon; names up to 15 characters. */
	CHECK_INT_EQ(0, netdev_parse(HEADER "  eth0:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
					    "a23456789012345: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0  \n",
				     &t, &error));
	CHECK(error == NULL);
	CHECK_INT_EQ(2, t.nr);
	CHECK_STR_EQ("a23456789012345", t.ifaces[0].name);
	CHECK_INT_EQ(1, t.ifaces[1].c[NETDEV_RX_BYTES]);
	CHECK_INT_EQ(16, t.ifaces[1].c[NETDEV_TX_COMPRESSED]);
	netdev_table_done(&t);
}

#define check_fails(text, expected, needle) \
	CHECK_PARSE_FAILS(netdev_parse, struct netdev_table, text, expected, needle)

#define ROW16 " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"

static void test_errors(void)
{
	check_fails("", -EINVAL, "cut off");
	check_fails(HEADER "  eth0: 1 2 3", -EINVAL, "cut off");
	check_fails("Inter-|   Receive  |  Transmit\n", -EINVAL, "header lines are missing");
	check_fails("  eth0:" ROW16 "  eth1:" ROW16 "  eth2:" ROW16, -EINVAL,
		    "line 1: expected the column header");
	check_fails(HEADER "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n", -EINVAL,
		    "eth0 has 15 numbers, expected 16");
	check_fails(HEADER "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", -EINVAL,
		    "more than 16 numbers");
	check_fails(HEADER "  eth0: 1 2 3 x 5 6 7 8 9 10 11 12 13 14 15 16\n", -EINVAL, "eth0: bad rx_drops");
	check_fails(HEADER "  eth0: 1 2 3 4 5 6 7 8 99999999999999999999 10 11 12 13 14 15 16\n", -ERANGE,
		    "out-of-range tx_bytes");
	check_fails(HEADER "  eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", -EINVAL,
		    "line 3: expected 'NAME:'");
	check_fails(HEADER "a234567890123456:" ROW16, -EINVAL, "1 to 15 characters");
	check_fails(HEADER "  :" ROW16, -EINVAL, "expected 'NAME:'");
	check_fails(HEADER "  eth0:" ROW16 "  eth1:" ROW16 "  eth0:" ROW16, -EINVAL, "eth0 appears twice");
}

static void test_oversized(void)
{
	char *root = tree_new();
	_cleanup_free_ char *error = NULL;
	struct netdev_table t = {};

	tree_write_filled(root, "proc/net/dev", ' ', NETDEV_MAX_BYTES + 1);
	CHECK_INT_EQ(-EFBIG, netdev_read(root, &t, &error));
	CHECK_MSG("File too large", error);
	tree_free(root);
}

int main(int argc, char *argv[])
{
	fixtures_from_args(argc, argv);
	test_fixture();
	test_parse();
	test_errors();
	test_oversized();
	return test_result("test-netdev");
}
