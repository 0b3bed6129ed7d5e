/* ctl-events.h: collectorctl's live verbs: `events` tails the feed, `top` refreshes scheduling figures. */
#pragma once

#include <stdbool.h>

#include "collector-client.h"

struct ctl_live {
	struct collector_client *client;
	bool json;
	int timeout_ms;
};

/* events [--count N] [--duration S] [KEY=VALUE...]: filters as for SUBSCRIBE.
 * Returns a collectorctl exit code. */
int ctl_events(const struct ctl_live *c, int argc, char **argv);
/* top [--iterations N] [--interval S] [--limit N] [--sort FIELD] */
int ctl_top(const struct ctl_live *c, int argc, char **argv);
