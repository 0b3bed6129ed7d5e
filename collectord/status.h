/* status.h: the collector's HELLO and status documents. */
#pragma once

#include <jansson.h>

struct manager;
struct peer;

json_t *status_hello(struct manager *m, const struct peer *p);
json_t *status_to_json(struct manager *m, const struct peer *asker);
