/* netdev.h: /proc/net/dev per-interface counters, from text or from a root. */
#pragma once

#include <stdint.h>

/* ~160 bytes a line: 4 MiB holds over 20,000 interfaces (a busy container host). */
#define NETDEV_MAX_BYTES (4u << 20)
#define NETDEV_NAME_MAX 16 /* IFNAMSIZ */

/* The sixteen columns, in the kernel's order. */
enum netdev_counter {
	NETDEV_RX_BYTES,
	NETDEV_RX_PACKETS,
	NETDEV_RX_ERRORS,
	NETDEV_RX_DROPS,
	NETDEV_RX_FIFO,
	NETDEV_RX_FRAME,
	NETDEV_RX_COMPRESSED,
	NETDEV_RX_MULTICAST,
	NETDEV_TX_BYTES,
	NETDEV_TX_PACKETS,
	NETDEV_TX_ERRORS,
	NETDEV_TX_DROPS,
	NETDEV_TX_FIFO,
	NETDEV_TX_COLLISIONS,
	NETDEV_TX_CARRIER,
	NETDEV_TX_COMPRESSED,
	NETDEV_COUNTER_MAX,
};

/* "rx_bytes", "tx_drops", ... */
const char *netdev_counter_to_string(enum netdev_counter c);

struct netdev_iface {
	char name[NETDEV_NAME_MAX];
	uint64_t c[NETDEV_COUNTER_MAX];
};

struct netdev_table {
	unsigned nr;
	struct netdev_iface *ifaces; /* sorted by name */
};

/* Parses /proc/net/dev text: two header lines, then "name: 16 numbers" per
 * interface. A line with another count, a bad number, a bad or repeated
 * name, a missing header or text without a final newline is -EINVAL
 * (-ERANGE out of range), with a message in *ret_error (may be NULL). No
 * interfaces at all is valid. *ret is untouched on failure. */
int netdev_parse(const char *text, struct netdev_table *ret, char **ret_error);
int netdev_read(const char *root, struct netdev_table *ret, char **ret_error);
void netdev_table_done(struct netdev_table *t);

/* The interface with this name, or NULL (binary search). */
const struct netdev_iface *netdev_table_find(const struct netdev_table *t, const char *name);
