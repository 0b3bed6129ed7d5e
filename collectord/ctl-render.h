/* ctl-render.h: collectorctl's human form of a JSON document: aligned key/value lines, sections, tables. */
#pragma once

#include <jansson.h>
#include <stdio.h>

/* The widest a table cell is shown, in characters; longer text is cut and ends in "...". */
#define CTL_RENDER_CELL_MAX 32

/* Writes doc to f for a reader. In an object, the members that fit on a line
 * (scalars, arrays of scalars, empty containers) come first as "key  value"
 * lines with the values aligned; then each object member is a "key:" section
 * indented by two, and each array of objects a column table: one row per
 * object, a column per key in the union of the rows' keys (nested members as
 * dotted names), numeric columns right-aligned, missing cells "-". Strings are
 * shown bare, null as "-", an array of scalars as one comma-separated value.
 * 0, or -ENOMEM. */
int ctl_render(FILE *f, const json_t *doc);
