/* flamegraph.h: folded stacks ("a;b;c 12" lines) to a flame graph SVG a browser opens. */
#pragma once

#include <stddef.h>
#include <stdio.h>

struct flamegraph_opts {
	const char *title;    /* NULL: "Flame Graph" */
	const char *subtitle; /* NULL: none */
	unsigned width;       /* pixels; 0: 1200 */
};

/* Writes the SVG. Lines that do not end in " COUNT" are skipped. Frames
 * ending in "_[k]" are kernel frames and drawn in their own colours.
 * 0, -ENOMEM, or -EIO when writing failed. */
int flamegraph_svg(const char *const *lines, size_t n, const struct flamegraph_opts *o, FILE *out);
