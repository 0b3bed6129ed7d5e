/* netdev.c: parses /proc/net/dev into per-interface receive and transmit counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "macro.h"
#include "netdev.h"
#include "procfs.h"

static const char *const netdev_names[NETDEV_COUNTER_MAX] = {
	[NETDEV_RX_BYTES] = "rx_bytes",
	[NETDEV_RX_PACKETS] = "rx_packets",
	[NETDEV_RX_ERRORS] = "rx_errors",
	[NETDEV_RX_DROPS] = "rx_drops",
	[NETDEV_RX_FIFO] = "rx_fifo",
	[NETDEV_RX_FRAME] = "rx_frame",
	[NETDEV_RX_COMPRESSED] = "rx_compressed",
	[NETDEV_RX_MULTICAST] = "rx_multicast",
	[NETDEV_TX_BYTES] = "tx_bytes",
	[NETDEV_TX_PACKETS] = "tx_packets",
	[NETDEV_TX_ERRORS] = "tx_errors",
	[NETDEV_TX_DROPS] = "tx_drops",
	[NETDEV_TX_FIFO] = "tx_fifo",
	[NETDEV_TX_COLLISIONS] = "tx_collisions",
	[NETDEV_TX_CARRIER] = "tx_carrier",
	[NETDEV_TX_COMPRESSED] = "tx_compressed",
};

const char *netdev_counter_to_string(enum netdev_counter c)
{
	return c < NETDEV_COUNTER_MAX ? netdev_names[c] : NULL;
}

void netdev_table_done(struct netdev_table *t)
{
	if (!t)
		return;
	free(t->ifaces);
	t->ifaces = NULL;
	t->nr = 0;
}

static int iface_cmp(const void *a, const void *b)
{
	return strcmp(((const struct netdev_iface *)a)->name, ((const struct netdev_iface *)b)->name);
}

const struct netdev_iface *netdev_table_find(const struct netdev_table *t, const char *name)
{
	struct netdev_iface key = {};

	if (strlen(name) >= sizeof(key.name))
		return NULL;
	strcpy(key.name, name);
	return t->nr ? bsearch(&key, t->ifaces, t->nr, sizeof(*t->ifaces), iface_cmp) : NULL;
}

int netdev_parse(const char *text, struct netdev_table *ret, char **ret_error)
{
	_cleanup_free_ struct netdev_iface *ifaces = NULL;
	size_t nr = 0, cap = 0;
	unsigned line = 0;
	const char *eol;

	if (text_check_lines(text, ret_error) < 0)
		return -EINVAL;

	for (const char *p = text; *p; p = eol + 1) {
		char name[NETDEV_NAME_MAX];
		struct netdev_iface *d;
		const char *bad;
		unsigned at = 0;
		int n;

		line++;
		eol = strchr(p, '\n');
		/* "Inter-|   Receive ..." and " face |bytes    packets ...". */
		if (line <= 2) {
			if (!memchr(p, '|', (size_t)(eol - p)))
				return errmsg_set(ret_error, -EINVAL, "line %u: expected the column header",
						  line);
			continue;
		}
		p = parse_label(p, eol, name, sizeof(name));
		if (!p)
			return errmsg_set(ret_error, -EINVAL,
					  "line %u: expected 'NAME:' with a name of 1 to %d characters", line,
					  NETDEV_NAME_MAX - 1);
		if (nr == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct netdev_iface *ni = reallocarray(ifaces, ncap, sizeof(*ifaces));

			if (!ni)
				return -ENOMEM;
			ifaces = ni;
			cap = ncap;
		}
		d = &ifaces[nr];
		memset(d, 0, sizeof(*d));
		strcpy(d->name, name);
		n = parse_u64_list(p, eol, d->c, NETDEV_COUNTER_MAX, &bad, &at);
		if (n > NETDEV_COUNTER_MAX || (n < 0 && at >= NETDEV_COUNTER_MAX))
			return errmsg_set(ret_error, -EINVAL, "line %u: %s: more than %d numbers", line, name,
					  NETDEV_COUNTER_MAX);
		if (n < 0)
			return errmsg_set(ret_error, n, "line %u: %s: %s %s", line, name,
					  n == -ERANGE ? "out-of-range" : "bad", netdev_names[at]);
		if (n != NETDEV_COUNTER_MAX)
			return errmsg_set(ret_error, -EINVAL, "line %u: %s has %d numbers, expected %d", line,
					  name, n, NETDEV_COUNTER_MAX);
		nr++;
	}
	if (line < 2)
		return errmsg_set(ret_error, -EINVAL, "the two header lines are missing");
	if (nr > 1)
		qsort(ifaces, nr, sizeof(*ifaces), iface_cmp);
	for (size_t i = 1; i < nr; i++)
		if (strcmp(ifaces[i].name, ifaces[i - 1].name) == 0)
			return errmsg_set(ret_error, -EINVAL, "interface %s appears twice", ifaces[i].name);
	if (nr > 0 && cap > nr) {
		struct netdev_iface *fit = reallocarray(ifaces, nr, sizeof(*ifaces));

		if (fit)
			ifaces = fit;
	}
	ret->nr = (unsigned)nr;
	ret->ifaces = TAKE_PTR(ifaces);
	return 0;
}

DEFINE_PROCFS_READ(netdev, struct netdev_table, "/proc/net/dev", NETDEV_MAX_BYTES)
