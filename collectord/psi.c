/* psi.c: parses the /proc/pressure files and says why when PSI is off. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "errmsg.h"
#include "json-util.h"
#include "macro.h"
#include "procfs.h"
#include "psi.h"

static const char *const psi_names[PSI_RESOURCE_MAX] = {
	[PSI_CPU] = "cpu",
	[PSI_MEMORY] = "memory",
	[PSI_IO] = "io",
	[PSI_IRQ] = "irq",
};

const char *psi_resource_to_string(enum psi_resource r)
{
	return r < PSI_RESOURCE_MAX ? psi_names[r] : NULL;
}

/* "12.34": digits, a point, exactly two digits, at most 100.00. */
static int parse_centi(const char **p, uint32_t *ret)
{
	uint64_t whole;
	const char *s = *p;
	int r;

	r = parse_u64_at(&s, &whole);
	if (r < 0)
		return r;
	if (s[0] != '.' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
		return -EINVAL;
	if (whole > 100)
		return -ERANGE;
	whole = whole * 100 + (uint64_t)(s[1] - '0') * 10 + (uint64_t)(s[2] - '0');
	if (whole > 10000)
		return -ERANGE;
	*ret = (uint32_t)whole;
	*p = s + 3;
	return 0;
}

static const char *const psi_fields[] = { "avg10", "avg60", "avg300", "total" };

static int psi_parse_line(const char *p, const char *eol, struct psi_line *ret, unsigned line,
			  char **ret_error)
{
	struct psi_line l = { .present = true };
	unsigned seen = 0;

	for (;;) {
		const char *key;
		size_t klen;
		unsigned f;
		int r;

		p = skip_blanks(p);
		if (p == eol)
			break;
		key = p;
		while (p < eol && *p != '=' && *p != ' ')
			p++;
		klen = (size_t)(p - key);
		if (p == eol || *p != '=')
			return errmsg_set(ret_error, -EINVAL, "line %u: expected key=value at '%.*s'", line,
					  snippet_len(key), key);
		for (f = 0; f < ELEMENTSOF(psi_fields); f++)
			if (strlen(psi_fields[f]) == klen && strncmp(psi_fields[f], key, klen) == 0)
				break;
		if (f == ELEMENTSOF(psi_fields))
			return errmsg_set(ret_error, -EINVAL, "line %u: unknown field '%.*s'", line,
					  (int)MIN(klen, 16u), key);
		if (seen & (1u << f))
			return errmsg_set(ret_error, -EINVAL, "line %u: %s appears twice", line,
					  psi_fields[f]);
		seen |= 1u << f;
		p++;
		switch (f) {
		case 0:
			r = parse_centi(&p, &l.avg10);
			break;
		case 1:
			r = parse_centi(&p, &l.avg60);
			break;
		case 2:
			r = parse_centi(&p, &l.avg300);
			break;
		default:
			r = parse_u64_at(&p, &l.total_us);
			break;
		}
		if (r == 0 && p != eol && *p != ' ')
			r = -EINVAL;
		if (r < 0)
			return errmsg_set(ret_error, r, "line %u: %s: %s", line, psi_fields[f],
					  r != -ERANGE ? "bad number"
					  : f < 3 ? "out of range (averages are percentages, at most 100.00)"
						  : "out of range");
	}
	if (seen != (1u << ELEMENTSOF(psi_fields)) - 1)
		return errmsg_set(ret_error, -EINVAL, "line %u: expected avg10, avg60, avg300 and total",
				  line);
	*ret = l;
	return 0;
}

int psi_parse(const char *text, struct psi_stats *ret, char **ret_error)
{
	struct psi_stats s = {};
	unsigned line = 0;
	const char *eol;

	if (text_check_lines(text, ret_error) < 0)
		return -EINVAL;
	for (const char *p = text; *p; p = eol + 1) {
		struct psi_line *l;
		int r;

		line++;
		eol = strchr(p, '\n');
		if (strncmp(p, "some ", 5) == 0)
			l = &s.some;
		else if (strncmp(p, "full ", 5) == 0)
			l = &s.full;
		else
			return errmsg_set(ret_error, -EINVAL, "line %u: expected 'some' or 'full'", line);
		if (l->present)
			return errmsg_set(ret_error, -EINVAL, "line %u: a second '%.4s' line", line, p);
		r = psi_parse_line(p + 5, eol, l, line, ret_error);
		if (r < 0)
			return r;
	}
	*ret = s;
	return 0;
}

int psi_read_all(const char *root, struct psi_all *ret)
{
	struct psi_all a = {};
	_cleanup_free_ char *dir = NULL;
	struct stat st;

	if (asprintf(&dir, "%s/proc/pressure", root) < 0)
		return -ENOMEM;
	if (stat(dir, &st) < 0) {
		snprintf(
			a.dir_reason, sizeof(a.dir_reason),
			"%s: %s: the kernel has no PSI (CONFIG_PSI) or it is off (psi=0 on the command line, "
			"or CONFIG_PSI_DEFAULT_DISABLED without psi=1)",
			dir, strerror(errno));
		*ret = a;
		return 0;
	}
	a.have_dir = true;
	for (unsigned i = 0; i < PSI_RESOURCE_MAX; i++) {
		_cleanup_free_ char *path = NULL, *text = NULL, *error = NULL;
		int r;

		if (asprintf(&path, "/proc/pressure/%s", psi_names[i]) < 0)
			goto oom;
		r = procfs_read(root, path, PSI_MAX_BYTES, &text, NULL);
		if (r < 0) {
			a.error[i] = r;
			/* EOPNOTSUPP: the files exist but PSI was disabled at boot. */
			if (asprintf(&a.reason[i], "reading %s%s: %s", root, path, strerror(-r)) < 0)
				goto oom;
			continue;
		}
		r = psi_parse(text, &a.stats[i], &error);
		if (r == -ENOMEM)
			goto oom;
		if (r < 0) {
			a.error[i] = r;
			if (asprintf(&a.reason[i], "%s%s: %s", root, path, error ? error : strerror(-r)) < 0)
				goto oom;
		}
	}
	*ret = a;
	return 0;
oom:
	psi_all_done(&a);
	return -ENOMEM;
}

void psi_all_done(struct psi_all *p)
{
	for (unsigned i = 0; i < PSI_RESOURCE_MAX; i++) {
		free(p->reason[i]);
		p->reason[i] = NULL;
	}
}

static json_t *pct(uint32_t centi)
{
	return json_real(centi / 100.0);
}

static json_t *psi_line_to_json(const struct psi_line *l)
{
	return json_pack("{s:o, s:o, s:o, s:I}", "avg10_pct", pct(l->avg10), "avg60_pct", pct(l->avg60),
			 "avg300_pct", pct(l->avg300), "total_us", (json_int_t)l->total_us);
}

json_t *psi_to_json(const struct psi_all *p)
{
	_cleanup_json_ json_t *o = NULL;

	if (!p->have_dir)
		return json_pack("{s:b, s:s}", "available", 0, "reason", p->dir_reason);
	o = json_pack("{s:b}", "available", 1);
	if (!o)
		return NULL;
	for (unsigned i = 0; i < PSI_RESOURCE_MAX; i++) {
		const struct psi_stats *s = &p->stats[i];
		json_t *r;

		/* irq pressure is new; its absence is not worth a line. */
		if (i == PSI_IRQ && p->error[i] == -ENOENT)
			continue;
		if (p->error[i] < 0)
			r = json_pack("{s:b, s:s}", "available", 0, "reason",
				      p->reason[i] ? p->reason[i] : "");
		else {
			r = json_object();
			if (r && s->some.present)
				json_object_set_new(r, "some", psi_line_to_json(&s->some));
			if (r && s->full.present)
				json_object_set_new(r, "full", psi_line_to_json(&s->full));
		}
		if (!r || json_object_set_new(o, psi_names[i], r) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}
