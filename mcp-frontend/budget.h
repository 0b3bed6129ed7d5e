/* budget.h: fit a JSON document into a byte budget by cutting it at JSON boundaries, and say what was cut. */
#pragma once

#include <jansson.h>
#include <stddef.h>

/* The size of j's compact serialization, as answers are written. */
size_t budget_json_size(const json_t *j);

/* Cuts doc in place until its compact serialization takes at most
 * max_bytes: the tail items of the largest array first (again and again),
 * then the tail members of the largest nested object (never the top
 * level's), then the longest string. Returns 0 when doc already fitted, 1
 * when it was cut (*ret_cuts: [{"path": JSON Pointer, "kept": n, "total": m,
 * "unit": "items"|"members"|"bytes"}], one per place cut, totals from before
 * any cut),
 * -E2BIG when no cut can make it fit, -ENOMEM. */
int budget_fit(json_t *doc, size_t max_bytes, json_t **ret_cuts);
