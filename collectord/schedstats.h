/* schedstats.h: the stats://aggregated resources: per CPU, LLC, node, DSQ and task, over a window
 * of the aggregation ring. */
#pragma once

#include <jansson.h>

struct manager;

int schedstats_cpu_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error);
int schedstats_llc_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error);
int schedstats_node_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error);
int schedstats_dsq_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error);
int schedstats_process_json(struct manager *m, const json_t *args, json_t **ret, char **ret_error);

/* Stops the DSQ resource's live collection (shutdown). */
void schedstats_dsqlive_free(struct manager *m);

/* For the calls: the window argument (1..60 s, default 10), parsed the same way. */
int schedstats_window_arg(const json_t *args, unsigned *ret, char **ret_error);
/* The ring and the span for window_s, or a structured "unavailable" answer in
 * *ret_unavailable (return 1) when BPF is not loaded. */
struct schedwin;
struct schedwin_span;
int schedstats_span(struct manager *m, unsigned window_s, struct schedwin **ret_w, struct schedwin_span *ret_span,
		    json_t **ret_unavailable, char **ret_error);
/* interval_ms, requested_window_s, window_s, window_start_ns, window_end_ns, reads, note. */
int schedstats_window_to_json(const struct schedwin *w, const struct schedwin_span *s, json_t *o);
