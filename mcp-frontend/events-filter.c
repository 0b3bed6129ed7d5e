/* events-filter.c: an events://stream URI's query parameters checked and turned into SUBSCRIBE filters. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events-filter.h"
#include "events-json.h"
#include "json-util.h"
#include "macro.h"

/* A parameter's parser: adds its filter, or -EINVAL with why the value is wrong. */
typedef int (*param_parse_fn)(const char *name, const char *value, json_t *filters, char *why,
			      size_t why_size);

struct param {
	const char *name;
	param_parse_fn parse;
	const char *takes; /* what it takes, for the error; NULL: the event types */
};

/* Digits only, at most 10 of them, and at most max: 0; -EINVAL or -ERANGE. */
static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return n > 10 && strspn(s, "0123456789") >= n ? -ERANGE : -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* The length of the comma-separated item at p; an empty item is an error. */
static int list_item(const char *value, const char *p, size_t *ret_len, char *why, size_t why_size)
{
	size_t n = strcspn(p, ",");

	if (n == 0) {
		snprintf(why, why_size, *value ? "'%.40s' has an empty item" : "it is empty", value);
		return -EINVAL;
	}
	*ret_len = n;
	return 0;
}

static int parse_types(const char *name, const char *value, json_t *filters, char *why, size_t why_size)
{
	uint32_t mask = 0;
	json_t *names;

	for (const char *p = value;;) {
		char item[32];
		size_t n;
		int t;

		if (list_item(value, p, &n, why, why_size) < 0)
			return -EINVAL;
		snprintf(item, sizeof(item), "%.*s", (int)MIN(n, sizeof(item) - 1), p);
		if (strcmp(item, "all") == 0)
			mask |= SCHED_EVENT_MASK_ALL;
		else if (n < sizeof(item) && (t = sched_event_type_from_name(item)) >= 0)
			mask |= SCHED_EVENT_MASK(t);
		else {
			snprintf(why, why_size, "'%.40s' is not an event type", item);
			return -EINVAL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	names = json_array();
	if (!names)
		return -ENOMEM;
	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX; t++)
		if (mask & SCHED_EVENT_MASK(t))
			json_array_append_new(names, json_string(sched_event_type_name(t)));
	return json_object_set_new(filters, name, names) < 0 ? -ENOMEM : 0;
}

/* pids and tgids */
static int parse_ids(const char *name, const char *value, json_t *filters, char *why, size_t why_size)
{
	_cleanup_json_ json_t *ids = json_array();

	if (!ids)
		return -ENOMEM;
	for (const char *p = value;;) {
		uint64_t id;
		size_t n;
		int r;

		if (list_item(value, p, &n, why, why_size) < 0)
			return -EINVAL;
		if (json_array_size(ids) == EVENTS_FILTER_MAX_IDS) {
			snprintf(why, why_size, "it has more than %d ids", EVENTS_FILTER_MAX_IDS);
			return -EINVAL;
		}
		r = parse_uint(p, n, INT32_MAX, &id);
		if (r < 0) {
			snprintf(why, why_size, "'%.*s' is %s", (int)MIN(n, (size_t)40), p,
				 r == -ERANGE ? "out of range" : "not an id");
			return -EINVAL;
		}
		json_array_append_new(ids, json_integer((json_int_t)id));
		if (!p[n])
			break;
		p += n + 1;
	}
	return json_object_set_new(filters, name, TAKE_PTR(ids)) < 0 ? -ENOMEM : 0;
}

/* A CPU list, as collectord's cpulist_parse() reads it: N or N-M items. */
static int parse_cpus(const char *name, const char *value, json_t *filters, char *why, size_t why_size)
{
	for (const char *p = value;;) {
		uint64_t lo = 0, hi = 0;
		size_t n, dash;
		int r;

		if (list_item(value, p, &n, why, why_size) < 0)
			return -EINVAL;
		dash = strcspn(p, "-,");
		r = parse_uint(p, dash, EVENTS_FILTER_MAX_CPU, &lo);
		if (r >= 0)
			hi = lo;
		if (r >= 0 && dash < n)
			r = parse_uint(p + dash + 1, n - dash - 1, EVENTS_FILTER_MAX_CPU, &hi);
		if (r < 0 || hi < lo) {
			snprintf(why, why_size, "'%.*s' is %s", (int)MIN(n, (size_t)40), p,
				 r == -ERANGE ? "out of range"
				 : hi < lo    ? "a range that ends before it starts"
					      : "not a CPU number or range");
			return -EINVAL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return json_object_set_new(filters, name, json_string(value)) < 0 ? -ENOMEM : 0;
}

static int parse_comm(const char *name, const char *value, json_t *filters, char *why, size_t why_size)
{
	size_t n = strlen(value);

	if (n > EVENTS_FILTER_MAX_COMM) {
		snprintf(why, why_size, "'%.40s' is %zu bytes long", value, n);
		return -EINVAL;
	}
	/* empty: any task, as collectord reads it; no filter to send */
	if (n == 0)
		return 0;
	return json_object_set_new(filters, name, json_string(value)) < 0 ? -ENOMEM : 0;
}

/* Decimal digits with at most one '.': no signs, exponents, hex, inf or nan. */
static int parse_latency(const char *name, const char *value, json_t *filters, char *why, size_t why_size)
{
	size_t digits = strspn(value, "0123456789"), frac = 0;
	double us;

	if (value[digits] == '.')
		frac = 1 + strspn(value + digits + 1, "0123456789");
	/* "" and "." are no numbers; "5." and ".5" are */
	if ((digits == 0 && frac <= 1) || value[digits + frac] || digits + frac > 20) {
		snprintf(why, why_size, "'%.40s' is not a number", value);
		return -EINVAL;
	}
	us = strtod(value, NULL);
	if (us > EVENTS_FILTER_MAX_LATENCY_US) {
		snprintf(why, why_size, "'%.40s' is out of range", value);
		return -EINVAL;
	}
	return json_object_set_new(filters, name, json_real(us)) < 0 ? -ENOMEM : 0;
}

static int parse_sample_rate(const char *name, const char *value, json_t *filters, char *why, size_t why_size)
{
	uint64_t n;
	int r = parse_uint(value, strlen(value), EVENTS_FILTER_MAX_SAMPLE, &n);

	if (r == 0 && n == 0)
		r = -ERANGE;
	if (r < 0) {
		snprintf(why, why_size, "'%.40s' is %s", value,
			 r == -ERANGE ? "out of range" : "not a whole number");
		return -EINVAL;
	}
	return json_object_set_new(filters, name, json_integer((json_int_t)n)) < 0 ? -ENOMEM : 0;
}

/* In the order of the template's query, which is the order of the filters made. */
static const struct param params[] = {
    {"types", parse_types, NULL},
    {"pids", parse_ids, "up to 64 thread ids from 0 to 2147483647, separated by commas"},
    {"tgids", parse_ids, "up to 64 process ids from 0 to 2147483647, separated by commas"},
    {"cpus", parse_cpus, "CPU numbers from 0 to 8191 and ranges of them, separated by commas (e.g. 0-3,8)"},
    {"comm", parse_comm, "a task name prefix of at most 15 bytes"},
    {"min_latency_us", parse_latency, "a number of microseconds from 0 to 60000000"},
    {"sample_rate", parse_sample_rate, "a whole number from 1 (every event) to 1000000"},
};

/* What types takes: the live feed's event type names. */
static void types_takes(char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "event types separated by commas, of ");

	for (unsigned t = 1; t < SCHED_EVENT_TYPE_MAX && n < size; t++)
		n += (size_t)snprintf(buf + n, size - n, "%s, ", sched_event_type_name(t));
	if (n < size)
		snprintf(buf + n, size - n, "or all");
}

static const struct param *param_lookup(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(params); i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

static int unknown_param(const char *name, char *err, size_t err_size)
{
	size_t n = (size_t)snprintf(err, err_size, "unknown parameter '%.64s'; the parameters are ", name);

	for (size_t i = 0; i < ELEMENTSOF(params) && n < err_size; i++)
		n += (size_t)snprintf(err + n, err_size - n, "%s%s", i ? ", " : "", params[i].name);
	return -EINVAL;
}

int events_filter_from_vars(const json_t *vars, json_t **ret_filters, char *err, size_t err_size)
{
	_cleanup_json_ json_t *filters = json_object();
	const char *key;
	json_t *v;

	if (!filters)
		return -ENOMEM;
	json_object_foreach ((json_t *)vars, key, v) {
		if (!param_lookup(key))
			return unknown_param(key, err, err_size);
		if (!json_is_string(v)) {
			snprintf(err, err_size, "%s: must be a string", key);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < ELEMENTSOF(params); i++) {
		const char *value = json_string_value(json_object_get(vars, params[i].name));
		char why[128], takes[512];
		int r;

		if (!value)
			continue;
		r = params[i].parse(params[i].name, value, filters, why, sizeof(why));
		if (r == -EINVAL) {
			if (params[i].takes)
				snprintf(takes, sizeof(takes), "%s", params[i].takes);
			else
				types_takes(takes, sizeof(takes));
			snprintf(err, err_size, "%s: %s; %s takes %s", params[i].name, why, params[i].name,
				 takes);
		}
		if (r < 0)
			return r;
	}
	*ret_filters = TAKE_PTR(filters);
	return 0;
}
