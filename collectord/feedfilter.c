/* feedfilter.c: parse, match and merge live-feed filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "events-json.h"
#include "feedfilter.h"
#include "json-util.h"
#include "paging.h"

static const char *const filter_keys[] = { "types", "pids", "tgids", "cpus", "comm", "min_latency_us",
					   "sample_rate", NULL };

static char *type_list(void)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX; t++)
		fprintf(f, "%s%s", t > 1 ? ", " : "", sched_event_type_name(t));
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int add_type(struct feed_filter *f, const char *name, size_t len, char **ret_error)
{
	_cleanup_free_ char *list = NULL;
	char buf[64];
	int t;

	if (len == 0)
		return 0;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, name, len);
	buf[len] = 0;
	if (strcmp(buf, "all") == 0) {
		f->types = SCHED_EVENT_MASK_ALL;
		return 0;
	}
	t = sched_event_type_from_name(buf);
	if (t < 0) {
		list = type_list();
		return errmsg_set(ret_error, -EINVAL, "unknown event type '%s'; the types are: %s (or all)", buf,
				  list ? list : "?");
	}
	f->types |= SCHED_EVENT_MASK(t);
	return 0;
}

static int parse_types(const json_t *v, struct feed_filter *f, char **ret_error)
{
	size_t i;
	json_t *x;
	int r;

	if (json_is_string(v)) {
		const char *s = json_string_value(v), *comma;

		do {
			comma = strchr(s, ',');
			r = add_type(f, s, comma ? (size_t)(comma - s) : strlen(s), ret_error);
			if (r < 0)
				return r;
			s = comma ? comma + 1 : NULL;
		} while (s);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (!json_is_string(x))
				return errmsg_set(ret_error, -EINVAL, "types must be event type names");
			r = add_type(f, json_string_value(x), strlen(json_string_value(x)), ret_error);
			if (r < 0)
				return r;
		}
	} else {
		return errmsg_set(ret_error, -EINVAL, "types must be an array of event type names or a comma-separated string");
	}
	if (!f->types)
		return errmsg_set(ret_error, -EINVAL, "types names no event type");
	return 0;
}

static int parse_ids(const json_t *v, const char *key, uint32_t *ids, unsigned *ret_n, char **ret_error)
{
	size_t i;
	json_t *x;
	unsigned n = 0;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
			return errmsg_set(ret_error, -EINVAL, "%s must be process ids (0 to 2147483647)", key);
		ids[0] = (uint32_t)json_integer_value(v);
		*ret_n = 1;
		return 0;
	}
	if (!json_is_array(v))
		return errmsg_set(ret_error, -EINVAL, "%s must be an integer or an array of integers", key);
	if (json_array_size(v) > FEED_FILTER_MAX_PIDS)
		return errmsg_set(ret_error, -EINVAL, "%s takes at most %d ids", key, FEED_FILTER_MAX_PIDS);
	json_array_foreach(v, i, x) {
		if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > INT32_MAX)
			return errmsg_set(ret_error, -EINVAL, "%s must be process ids (0 to 2147483647)", key);
		ids[n++] = (uint32_t)json_integer_value(x);
	}
	*ret_n = n;
	return 0;
}

static int set_cpu(struct feed_filter *f, json_int_t cpu, char **ret_error)
{
	if (cpu < 0 || cpu >= TOPO_MAX_CPUS)
		return errmsg_set(ret_error, -EINVAL, "cpus must be CPU numbers from 0 to %d", TOPO_MAX_CPUS - 1);
	f->cpus[cpu / CPULIST_BITS_PER_LONG] |= 1ul << (cpu % CPULIST_BITS_PER_LONG);
	return 0;
}

static int parse_cpus(const json_t *v, struct feed_filter *f, char **ret_error)
{
	size_t i;
	json_t *x;
	int r;

	f->has_cpus = true;
	memset(f->cpus, 0, sizeof(f->cpus));
	if (json_is_integer(v))
		return set_cpu(f, json_integer_value(v), ret_error);
	if (json_is_string(v)) {
		r = cpulist_parse(json_string_value(v), TOPO_MAX_CPUS, f->cpus);
		if (r <= 0)
			return errmsg_set(ret_error, -EINVAL, "cpus '%.64s' is not a CPU list such as 0-3,8",
					  json_string_value(v));
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return errmsg_set(ret_error, -EINVAL, "cpus must be a CPU number, an array of them or a list such as \"0-3,8\"");
	json_array_foreach(v, i, x) {
		if (!json_is_integer(x))
			return errmsg_set(ret_error, -EINVAL, "cpus must be CPU numbers");
		r = set_cpu(f, json_integer_value(x), ret_error);
		if (r < 0)
			return r;
	}
	return 0;
}

int feed_filter_parse(const json_t *args, const char *const *known, struct feed_filter *ret, char **ret_error)
{
	struct feed_filter f = { .types = SCHED_EVENT_MASK_ALL, .sample = 1 };
	const json_t *v;
	uint64_t u;
	int r;

	r = args_check_known(args, known ? known : filter_keys, ret_error);
	if (r < 0)
		return r;
	if ((v = json_object_get(args, "types"))) {
		f.types = 0;
		r = parse_types(v, &f, ret_error);
		if (r < 0)
			return r;
	}
	if ((v = json_object_get(args, "pids")) && (r = parse_ids(v, "pids", f.pids, &f.nr_pids, ret_error)) < 0)
		return r;
	if ((v = json_object_get(args, "tgids")) &&
	    (r = parse_ids(v, "tgids", f.tgids, &f.nr_tgids, ret_error)) < 0)
		return r;
	if ((v = json_object_get(args, "cpus")) && (r = parse_cpus(v, &f, ret_error)) < 0)
		return r;
	if ((v = json_object_get(args, "comm"))) {
		const char *c = json_string_value(v);

		if (!c || strlen(c) > 15)
			return errmsg_set(ret_error, -EINVAL, "comm must be a string of at most 15 bytes (a prefix of the task name)");
		f.comm_len = (unsigned)strlen(c);
		memcpy(f.comm, c, f.comm_len);
	}
	if ((v = json_object_get(args, "min_latency_us"))) {
		double d = json_number_value(v);

		if (!json_is_number(v) || d < 0 || d > (double)FEED_MIN_LATENCY_MAX_US)
			return errmsg_set(ret_error, -EINVAL, "min_latency_us must be a number from 0 to %llu",
					  (unsigned long long)FEED_MIN_LATENCY_MAX_US);
		f.min_lat_ns = (uint64_t)(d * 1000.0);
	}
	r = json_get_uint(args, "sample_rate", FEED_SAMPLE_MAX, &u);
	if (r == 0 && u == 0)
		r = -ERANGE;
	if (r == -EINVAL || r == -ERANGE)
		return errmsg_set(ret_error, -EINVAL, "sample_rate must be an integer from 1 (every event) to %d",
				  FEED_SAMPLE_MAX);
	if (r == 0)
		f.sample = (uint32_t)u;
	*ret = f;
	return 0;
}

static bool id_in(const uint32_t *ids, unsigned n, uint32_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool comm_prefix(const struct feed_filter *f, const char *comm)
{
	return comm && strncmp(comm, f->comm, f->comm_len) == 0;
}

bool feed_filter_match(const struct feed_filter *f, const struct sched_event_header *h)
{
	uint32_t pids[2], tgids[2];
	const char *comms[2];
	uint64_t lat;
	unsigned n;

	if (!(f->types & SCHED_EVENT_MASK(h->type)))
		return false;
	if (f->has_cpus &&
	    (h->cpu >= TOPO_MAX_CPUS || !((f->cpus[h->cpu / CPULIST_BITS_PER_LONG] >> (h->cpu % CPULIST_BITS_PER_LONG)) & 1)))
		return false;
	if (f->min_lat_ns && sched_event_latency(h, &lat) == 1 && lat < f->min_lat_ns)
		return false;
	/* a switch without a known wait does not pass a latency filter */
	if (f->min_lat_ns && h->type == SCHED_EVENT_SWITCH && sched_event_latency(h, &lat) == 0)
		return false;
	if (f->nr_pids || f->nr_tgids) {
		n = sched_event_tasks(h, pids, tgids);
		if (n == 0)
			return false;
		if (!id_in(f->pids, f->nr_pids, pids[0]) && !id_in(f->pids, f->nr_pids, pids[1]) &&
		    !id_in(f->tgids, f->nr_tgids, tgids[0]) && !id_in(f->tgids, f->nr_tgids, tgids[1]))
			return false;
	}
	if (f->comm_len) {
		n = sched_event_comms(h, comms);
		if (n == 0 || (!comm_prefix(f, comms[0]) && !comm_prefix(f, comms[1])))
			return false;
	}
	return true;
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void add_ids(uint32_t *to, unsigned *n, bool *overflow, const uint32_t *from, unsigned m)
{
	for (unsigned i = 0; i < m; i++) {
		if (id_in(to, *n, from[i]))
			continue;
		if (*n == FEED_FILTER_MAX_PIDS) {
			*overflow = true;
			return;
		}
		to[(*n)++] = from[i];
	}
}

void feed_filter_union(const struct feed_filter *const *fs, size_t n, unsigned nr_cpus, unsigned long *cpus,
		       struct schedagg_feed_filter *ret)
{
	bool any_task = false, any_cpu = false, overflow = false;
	size_t words = CPULIST_LONGS(nr_cpus);

	memset(ret, 0, sizeof(*ret));
	if (n == 0)
		return;
	ret->sample = fs[0]->sample;
	ret->min_lat_ns = fs[0]->min_lat_ns;
	memcpy(ret->comm, fs[0]->comm, sizeof(ret->comm));
	ret->comm_len = fs[0]->comm_len;
	memset(cpus, 0, words * sizeof(*cpus));
	for (size_t i = 0; i < n; i++) {
		const struct feed_filter *f = fs[i];
		unsigned common = 0;

		ret->types |= f->types;
		ret->sample = gcd(ret->sample, f->sample);
		ret->min_lat_ns = f->min_lat_ns < ret->min_lat_ns ? f->min_lat_ns : ret->min_lat_ns;
		/* the longest prefix both comm prefixes share passes whatever either passes */
		while (common < ret->comm_len && common < f->comm_len && ret->comm[common] == f->comm[common])
			common++;
		ret->comm_len = common;
		if (!f->nr_pids && !f->nr_tgids)
			any_task = true;
		add_ids(ret->pids, &ret->nr_pids, &overflow, f->pids, f->nr_pids);
		add_ids(ret->tgids, &ret->nr_tgids, &overflow, f->tgids, f->nr_tgids);
		if (!f->has_cpus)
			any_cpu = true;
		else
			for (size_t w = 0; w < words && w < CPULIST_LONGS(TOPO_MAX_CPUS); w++)
				cpus[w] |= f->cpus[w];
	}
	if (any_task || overflow)
		ret->nr_pids = ret->nr_tgids = 0;
	ret->cpus = any_cpu ? NULL : cpus;
	if (ret->sample == 0)
		ret->sample = 1;
}

bool feed_filter_equal(const struct feed_filter *a, const struct feed_filter *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static json_t *ids_json(const uint32_t *ids, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(ids[i]));
	return a;
}

json_t *feed_filter_to_json(const struct feed_filter *f)
{
	json_t *o = json_object(), *types = json_array();
	_cleanup_free_ char *cpus = NULL;

	if (!o || !types) {
		json_decref(o);
		json_decref(types);
		return NULL;
	}
	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX; t++)
		if (f->types & SCHED_EVENT_MASK(t))
			json_array_append_new(types, json_string(sched_event_type_name(t)));
	json_object_set_new(o, "types", types);
	if (f->nr_pids)
		json_object_set_new(o, "pids", ids_json(f->pids, f->nr_pids));
	if (f->nr_tgids)
		json_object_set_new(o, "tgids", ids_json(f->tgids, f->nr_tgids));
	if (f->has_cpus && cpulist_format(f->cpus, TOPO_MAX_CPUS, &cpus) == 0)
		json_object_set_new(o, "cpus", json_string(cpus));
	if (f->comm_len)
		json_object_set_new(o, "comm", json_stringn(f->comm, f->comm_len));
	if (f->min_lat_ns)
		json_object_set_new(o, "min_latency_us", json_real((double)f->min_lat_ns / 1000.0));
	json_object_set_new(o, "sample_rate", json_integer(f->sample));
	return o;
}
