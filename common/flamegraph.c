/* flamegraph.c: merges folded stacks into a tree and draws it as SVG, root at the bottom (Brendan Gregg's layout). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"
#include "macro.h"

#define FRAME_HEIGHT 16
#define FONT_SIZE 12
#define CHAR_WIDTH 7.0 /* average advance of the 12px monospace-ish font */
#define PAD_TOP 50
#define PAD_BOTTOM 30
#define PAD_SIDE 10
#define MIN_WIDTH 0.1 /* pixels: narrower frames are not drawn */

struct node {
	char *name;
	uint64_t value;
	struct node **kids;
	size_t nkids, cap;
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n);
}

static struct node *node_child(struct node *n, const char *name, size_t len)
{
	struct node *c;

	for (size_t i = n->nkids; i-- > 0;) /* the last one added is the likeliest */
		if (strncmp(n->kids[i]->name, name, len) == 0 && n->kids[i]->name[len] == 0)
			return n->kids[i];
	if (n->nkids == n->cap) {
		size_t cap = MAX(n->cap * 2, 4);
		struct node **v = realloc(n->kids, cap * sizeof(*v));

		if (!v)
			return NULL;
		n->kids = v;
		n->cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strndup(name, len);
	if (!c->name) {
		free(c);
		return NULL;
	}
	n->kids[n->nkids++] = c;
	return c;
}

static int add_line(struct node *root, const char *line)
{
	const char *sp = strrchr(line, ' '), *p = line;
	char *end;
	uint64_t count;

	if (!sp || sp == line)
		return 0;
	count = strtoull(sp + 1, &end, 10);
	if (end == sp + 1 || (*end && *end != '\n') || count == 0)
		return 0;
	root->value += count;
	while (p < sp) {
		const char *semi = memchr(p, ';', (size_t)(sp - p));
		size_t len = semi ? (size_t)(semi - p) : (size_t)(sp - p);
		struct node *c = node_child(root, p, len);

		if (!c)
			return -ENOMEM;
		c->value += count;
		root = c;
		p += len + 1;
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp((*(struct node *const *)a)->name, (*(struct node *const *)b)->name);
}

static unsigned depth_of(struct node *n)
{
	unsigned d = 0;

	/* Alphabetical order, as flamegraph.pl draws: the x axis is not time. */
	if (n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof(*n->kids), name_cmp);
	for (size_t i = 0; i < n->nkids; i++)
		d = MAX(d, 1 + depth_of(n->kids[i]));
	return d;
}

static void put_escaped(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)s[i] >= 0x20)
				fputc(s[i], f);
		}
	}
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Warm colours for user code, orange-brown for the kernel, steady per name. */
static void frame_colour(const char *name, unsigned *r, unsigned *g, unsigned *b)
{
	uint32_t h = name_hash(name);
	size_t len = strlen(name);
	bool kernel = len > 4 && strcmp(name + len - 4, "_[k]") == 0;
	unsigned v1 = h % 55, v2 = (h >> 8) % 80, v3 = (h >> 16) % 40;

	if (kernel) {
		*r = 200 + v1 % 40;
		*g = 120 + v2 % 50;
		*b = 40 + v3 % 30;
	} else {
		*r = 205 + v1;
		*g = v2 + 55 + v3;
		*b = 55 + v3 / 2;
	}
	if (*g > 255)
		*g = 255;
}

struct draw {
	FILE *f;
	double scale; /* pixels per sample */
	uint64_t total;
	unsigned height;
};

static void draw_node(struct draw *d, const struct node *n, double x, unsigned level)
{
	double w = (double)n->value * d->scale, cx = x;
	double y = d->height - PAD_BOTTOM - (double)(level + 1) * FRAME_HEIGHT;
	unsigned r, g, b;
	size_t fit;

	if (w < MIN_WIDTH)
		return;
	frame_colour(n->name, &r, &g, &b);
	fputs("<g><title>", d->f);
	put_escaped(d->f, n->name, SIZE_MAX);
	fprintf(d->f, " (%" PRIu64 " samples, %.2f%%)</title>", n->value,
		d->total ? 100.0 * (double)n->value / (double)d->total : 0.0);
	fprintf(d->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"rgb(%u,%u,%u)\" rx=\"2\" ry=\"2\"/>",
		x, y, w, FRAME_HEIGHT - 1, r, g, b);
	fit = w > 3 * CHAR_WIDTH ? (size_t)((w - 6) / CHAR_WIDTH) : 0;
	if (fit) {
		size_t len = strlen(n->name);

		fprintf(d->f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + FRAME_HEIGHT - 4.5);
		if (len <= fit) {
			put_escaped(d->f, n->name, len);
		} else {
			put_escaped(d->f, n->name, fit - 2);
			fputs("..", d->f);
		}
		fputs("</text>", d->f);
	}
	fputs("</g>\n", d->f);
	for (size_t i = 0; i < n->nkids; i++) {
		draw_node(d, n->kids[i], cx, level + 1);
		cx += (double)n->kids[i]->value * d->scale;
	}
}

int flamegraph_svg(const char *const *lines, size_t n, const struct flamegraph_opts *o, FILE *out)
{
	struct node *root = calloc(1, sizeof(*root));
	unsigned width = o && o->width ? o->width : 1200, depth;
	struct draw d = { .f = out };
	int r = 0;

	if (!root)
		return -ENOMEM;
	root->name = strdup("all");
	if (!root->name) {
		free(root);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		r = add_line(root, lines[i]);
	if (r < 0) {
		node_free(root);
		return r;
	}
	depth = depth_of(root);
	d.total = root->value;
	d.height = PAD_TOP + PAD_BOTTOM + (depth + 1) * FRAME_HEIGHT;
	d.scale = root->value ? (double)(width - 2 * PAD_SIDE) / (double)root->value : 0;
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		     "xmlns=\"http://www.w3.org/2000/svg\">\n"
		     "<style>text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }"
		     " .title { font-size: 17px; } g:hover rect { stroke: black; stroke-width: 0.5; }</style>\n"
		     "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"rgb(248,248,248)\"/>\n"
		     "<text class=\"title\" x=\"%u\" y=\"24\" text-anchor=\"middle\">",
		width, d.height, width, d.height, FONT_SIZE, width, d.height, width / 2);
	put_escaped(out, o && o->title ? o->title : "Flame Graph", SIZE_MAX);
	fputs("</text>\n", out);
	if (o && o->subtitle) {
		fprintf(out, "<text x=\"%u\" y=\"42\" text-anchor=\"middle\" fill=\"rgb(90,90,90)\">", width / 2);
		put_escaped(out, o->subtitle, SIZE_MAX);
		fputs("</text>\n", out);
	}
	if (root->value == 0)
		fprintf(out, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">no samples</text>\n", width / 2,
			d.height - PAD_BOTTOM - FRAME_HEIGHT);
	else
		draw_node(&d, root, PAD_SIDE, 0);
	fprintf(out, "<text x=\"%d\" y=\"%u\" fill=\"rgb(90,90,90)\">Width is the share of samples; "
		     "kernel frames end in _[k]; hover a frame for its count.</text>\n</svg>\n",
		PAD_SIDE, d.height - 10);
	node_free(root);
	return ferror(out) ? -EIO : 0;
}
