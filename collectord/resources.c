/* resources.c: URI -> reader table for READ requests; each reader builds its answer from live data. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "manager.h"
#include "resources.h"
#include "topology.h"

typedef int (*resource_fn)(struct manager *m, const json_t *args, json_t **ret, char **ret_error);

struct resource {
	const char *uri;
	const char *description;
	resource_fn read;
};

static int read_topology(struct manager *m, const json_t *args, json_t **ret, char **ret_error)
{
	struct topology *t = NULL;
	enum topo_detail detail = TOPO_DETAIL_FULL;
	bool include_offline = true;
	const char *d;
	int r;

	r = json_get_string(args, "detail", &d);
	if (r == 0) {
		if (strcmp(d, "summary") == 0)
			detail = TOPO_DETAIL_SUMMARY;
		else if (strcmp(d, "full") != 0) {
			*ret_error = strdup("detail must be \"summary\" or \"full\"");
			return -EINVAL;
		}
	} else if (r == -EINVAL) {
		*ret_error = strdup("detail must be a string");
		return -EINVAL;
	}
	r = json_get_bool(args, "include_offline", &include_offline);
	if (r == -EINVAL) {
		*ret_error = strdup("include_offline must be a boolean");
		return -EINVAL;
	}
	r = topology_load(m->opt.sysfs_root[0] ? m->opt.sysfs_root : "/", &t);
	if (r < 0) {
		if (asprintf(ret_error, "reading the CPU topology under %s/sys failed: %s",
			     m->opt.sysfs_root, strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	r = topology_to_json(t, detail, include_offline, ret);
	topology_free(t);
	return r;
}

static const struct resource resources[] = {
	{ "topology://info", "CPUs, cores, LLCs and NUMA nodes with their mappings", read_topology },
};

int resource_read(struct manager *m, const struct peer *p, const char *uri, const json_t *args,
		  json_t **ret, char **ret_error)
{
	for (size_t i = 0; i < ELEMENTSOF(resources); i++)
		if (strcmp(resources[i].uri, uri) == 0)
			return resources[i].read(m, args, ret, ret_error);
	if (asprintf(ret_error, "unknown resource '%s'", uri) < 0)
		*ret_error = NULL;
	return -ENOENT;
}

json_t *resource_list(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < ELEMENTSOF(resources); i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "uri", resources[i].uri, "description",
						   resources[i].description));
	return a;
}
