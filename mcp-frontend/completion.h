/* completion.h: values completion/complete offers for schedmcp's prompt arguments, and their checks. */
#pragma once

#include <jansson.h>
#include <stddef.h>

/* Running pids from /proc (readable without privileges), ascending. */
int completion_pids(const char *argument, const char *prefix, const json_t *context, void *app,
		    json_t *values);
/* The running scheduler first, then sched_ext schedulers installed or known, then the fair class. */
int completion_schedulers(const char *argument, const char *prefix, const json_t *context, void *app,
			  json_t *values);

/* The arguments of events://stream's filtered URIs: types from the live
 * feed's event types, pids and tgids from the running pids; each the last
 * item of a comma-separated list, the items before it kept. Other arguments
 * have nothing to offer. */
int completion_events_stream(const char *argument, const char *prefix, const json_t *context, void *app,
			     json_t *values);

/* Argument checks: 0, or -EINVAL with a sentence. */
int completion_check_pid(const char *value, char *err, size_t err_size);
int completion_check_scheduler(const char *value, char *err, size_t err_size);

/* The root under which /proc and /sys are read ("" for /): tests point it at fixtures. */
void completion_set_root(const char *root);
