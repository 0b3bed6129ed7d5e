/* json-schema.h: validate tool arguments against the JSON Schema subset our tools declare. */
#pragma once

#include <jansson.h>
#include <stddef.h>

/* Supported keywords: type (object, string, integer, number, boolean, array,
 * or a list of them), properties, required, additionalProperties (false),
 * enum, minimum, maximum, minLength, maxLength, items, maxItems, and local
 * references ($ref "#/$defs/NAME", $defs at the root; 2020-12 style). Returns 0,
 * or -EINVAL with a message naming the offending path ("limit: must be an
 * integer <= 1000"). An unsupported keyword in a schema is -EOPNOTSUPP, so a
 * schema we cannot enforce is caught by the unit tests, not at run time. */
int json_schema_validate(const json_t *schema, const json_t *value, char *err, size_t err_size);

/* Checks that a schema uses only the supported keywords. */
int json_schema_check(const json_t *schema, char *err, size_t err_size);
