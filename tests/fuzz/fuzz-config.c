/* fuzz-config.c: libFuzzer target for the collectord.conf parser.
 *
 * The input, NUL-terminated, is parsed on top of the defaults. A success must leave every value
 * in its documented range; a failure must leave the configuration untouched and give a message
 * "fuzz.conf:LINE: reason". */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ranges(const struct config *c)
{
	if (c->max_clients < 1 || c->max_clients > 4096 || c->max_requests_in_flight < 1 ||
	    c->max_requests_in_flight > 1024 || c->max_queued_bytes < 64 * 1024 ||
	    c->max_queued_bytes > (1u << 30) || c->max_message_bytes < 64 * 1024 ||
	    c->max_message_bytes > (256u << 20) || c->interval_msec < 100 || c->interval_msec > 60000 ||
	    c->history_seconds < 10 || c->history_seconds > 86400)
		abort();
	if (!memchr(c->admin_group, 0, sizeof(c->admin_group)))
		abort();
	if (!c->admin_group[0] && c->admin_gid != (gid_t)-1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, before;
	char *text, *err = NULL;
	int r;

	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;

	config_defaults(&c);
	before = c;
	r = config_parse("fuzz.conf", text, &c, &err);
	if (r == 0) {
		if (err)
			abort();
		check_ranges(&c);
	} else {
		if (r != -EINVAL || !err || strncmp(err, "fuzz.conf:", 10) != 0 ||
		    memcmp(&c, &before, sizeof(c)) != 0)
			abort();
		free(err);
	}
	free(text);
	return 0;
}
