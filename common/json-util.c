/* json-util.c: typed, bounds-checked access to jansson objects; JSON text checked and printed fast. */
#include <string.h>

#include "json-util.h"

int json_get_string(const json_t *obj, const char *key, const char **ret)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return -ENOENT;
	if (!json_is_string(v))
		return -EINVAL;
	*ret = json_string_value(v);
	return 0;
}

int json_get_bool(const json_t *obj, const char *key, bool *ret)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return -ENOENT;
	if (!json_is_boolean(v))
		return -EINVAL;
	*ret = json_is_true(v);
	return 0;
}

int json_get_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *ret)
{
	json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v || json_is_null(v))
		return -ENOENT;
	if (!json_is_integer(v))
		return -EINVAL;
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return -ERANGE;
	*ret = (uint64_t)i;
	return 0;
}

/* Length of the UTF-8 sequence at s as jansson accepts it (no overlong forms,
 * surrogates or code points past U+10FFFF), or 0 when it is not one or does
 * not end within the `avail` bytes at s. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

json_t *json_string_lossy(const char *s)
{
	json_t *j = json_string(s);
	_cleanup_free_ char *copy = NULL;

	if (j)
		return j;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (unsigned char *p = (unsigned char *)copy, *end = p + strlen(copy); *p;) {
		size_t n = utf8_sequence(p, (size_t)(end - p));

		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
	return json_string(copy);
}

char *json_dump_compact(const json_t *j, size_t *ret_len)
{
	/* 12 significant digits: 41.38, not 41.380000000000003, in every answer. */
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));

	if (s && ret_len)
		*ret_len = strlen(s);
	return s;
}

/* ---- eight bytes at a time: JSON text is mostly bytes nothing is to be done with ---- */

#define BYTES_ONES 0x0101010101010101ull
#define BYTES_LOW7 0x7f7f7f7f7f7f7f7full
#define BYTES_HIGH 0x8080808080808080ull

static inline uint64_t load8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* 0x80 in each byte of x that is zero, and only there (no carry between bytes). */
static inline uint64_t zero_bytes(uint64_t x)
{
	return ~(((x & BYTES_LOW7) + BYTES_LOW7) | x | BYTES_LOW7);
}

/* 0x80 in each byte that must be escaped in a printed string: '"', '\\', below 0x20. */
static inline uint64_t escaped_bytes(uint64_t x)
{
	return zero_bytes(x ^ (BYTES_ONES * '"')) | zero_bytes(x ^ (BYTES_ONES * '\\')) |
	       zero_bytes(x & (BYTES_ONES * 0xe0));
}

/* The index of the first byte (in memory order) marked in a non-zero mask. */
static inline size_t first_marked(uint64_t mask)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(mask) / 8;
#else
	return (size_t)__builtin_clzll(mask) / 8;
#endif
}

/* How many bytes a mask marks (each 0x80). */
static inline size_t count_marked(uint64_t mask)
{
	return (size_t)(((mask >> 7) * BYTES_ONES) >> 56);
}

/* ---- checking a JSON text without building it ---- */

static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *ret)
{
	unsigned v = 0;

	if (end - p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* A \uXXXX escape after the backslash at *pp, surrogate pairs whole; \u0000
 * is refused as jansson refuses it by default. */
static int check_unicode_escape(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp + 2; /* past \u */
	unsigned v, low;

	if (hex4(p, end, &v) < 0 || v == 0 || (v >= 0xdc00 && v <= 0xdfff))
		return -EINVAL;
	p += 4;
	if (v >= 0xd800 && v <= 0xdbff) {
		if (end - p < 2 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &low) < 0 ||
		    low < 0xdc00 || low > 0xdfff)
			return -EINVAL;
		p += 6;
	}
	*pp = p;
	return 0;
}

/* The string starting at the quote at *pp; *pp ends past its closing quote. */
static int check_string(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp + 1;

	while (p < end) {
		size_t n;

		/* the common case first: plain ASCII, eight bytes at a time */
		if (end - p >= 8) {
			uint64_t x = load8(p), special = escaped_bytes(x) | (x & BYTES_HIGH);

			if (!special) {
				p += 8;
				continue;
			}
			p += first_marked(special);
		}
		if (*p == '"') {
			*pp = p + 1;
			return 0;
		}
		if (*p < 0x20)
			return -EINVAL;
		if (*p == '\\') {
			if (end - p < 2)
				return -EINVAL;
			if (p[1] == 'u') {
				if (check_unicode_escape(&p, end) < 0)
					return -EINVAL;
				continue;
			}
			if (!strchr("\"\\/bfnrt", p[1]) || p[1] == '\0')
				return -EINVAL;
			p += 2;
			continue;
		}
		n = utf8_sequence(p, (size_t)(end - p));
		if (n == 0)
			return -EINVAL;
		p += n;
	}
	return -EINVAL;
}

static const unsigned char *skip_digits(const unsigned char *p, const unsigned char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* RFC 8259's number grammar; the magnitude is not checked. */
static int check_number(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp, *q;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		p = skip_digits(p, end);
	else
		return -EINVAL;
	if (p < end && *p == '.') {
		q = skip_digits(p + 1, end);
		if (q == p + 1)
			return -EINVAL;
		p = q;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		q = skip_digits(p, end);
		if (q == p)
			return -EINVAL;
		p = q;
	}
	*pp = p;
	return 0;
}

static int check_literal(const unsigned char **pp, const unsigned char *end, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - *pp) < n || memcmp(*pp, word, n) != 0)
		return -EINVAL;
	*pp += n;
	return 0;
}

static int check_scalar(const unsigned char **pp, const unsigned char *end)
{
	switch (**pp) {
	case '"':
		return check_string(pp, end);
	case 't':
		return check_literal(pp, end, "true");
	case 'f':
		return check_literal(pp, end, "false");
	case 'n':
		return check_literal(pp, end, "null");
	default:
		return check_number(pp, end);
	}
}

int json_text_check(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	unsigned char open[JSON_TEXT_MAX_DEPTH]; /* '{' or '[' of every container we are in */
	size_t depth = 0;
	enum { WANT_VALUE, WANT_KEY, AFTER_VALUE } state = WANT_VALUE;

	p = skip_space(p, end);
	if (p == end || (*p != '{' && *p != '['))
		return -EINVAL;
	for (;;) {
		p = skip_space(p, end);
		if (p == end)
			return -EINVAL;
		switch (state) {
		case WANT_VALUE:
			if (*p == '{' || *p == '[') {
				if (depth == JSON_TEXT_MAX_DEPTH)
					return -EINVAL;
				open[depth++] = *p++;
				p = skip_space(p, end);
				if (p < end && *p == (open[depth - 1] == '{' ? '}' : ']')) {
					p++;
					depth--;
					state = AFTER_VALUE;
				} else
					state = open[depth - 1] == '{' ? WANT_KEY : WANT_VALUE;
				break;
			}
			if (check_scalar(&p, end) < 0)
				return -EINVAL;
			state = AFTER_VALUE;
			break;
		case WANT_KEY:
			if (*p != '"' || check_string(&p, end) < 0)
				return -EINVAL;
			p = skip_space(p, end);
			if (p == end || *p != ':')
				return -EINVAL;
			p++;
			state = WANT_VALUE;
			break;
		case AFTER_VALUE:
			if (*p == ',') {
				p++;
				state = open[depth - 1] == '{' ? WANT_KEY : WANT_VALUE;
			} else if (*p == (open[depth - 1] == '{' ? '}' : ']')) {
				p++;
				depth--;
			} else
				return -EINVAL;
			break;
		}
		if (depth == 0)
			return skip_space(p, end) == end ? 0 : -EINVAL;
	}
}

/* ---- printing a string as jansson prints it ---- */

/* What a byte becomes inside a printed string: 0 itself, else its escape
 * letter, or 'u' for \u00XX. UTF-8 bytes pass as they are (no
 * JSON_ENSURE_ASCII), and so does '/' (no JSON_ESCAPE_SLASH). */
static unsigned char escape_of(unsigned char c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return c < 0x20 ? 'u' : 0;
	}
}

size_t json_string_printed_size(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = len + 2, i = 0;
	uint64_t controls = 0;

	/* JSON text has a quote every few bytes: counted eight at a time. */
	for (; i + 8 <= len; i += 8) {
		uint64_t x = load8(u + i);

		n += count_marked(zero_bytes(x ^ (BYTES_ONES * '"')) | zero_bytes(x ^ (BYTES_ONES * '\\')));
		controls |= zero_bytes(x & (BYTES_ONES * 0xe0));
	}
	for (; i < len; i++) {
		n += (u[i] == '"') + (u[i] == '\\');
		controls |= u[i] < 0x20;
	}
	if (controls) /* rare: a \n, or worse, \u00XX */
		for (i = 0; i < len; i++)
			if (u[i] < 0x20)
				n += escape_of(u[i]) == 'u' ? 5 : 1;
	return n;
}

char *json_string_print(char *dst, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF"; /* jansson prints \u001F, not \u001f */
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	*dst++ = '"';
	for (;;) {
		unsigned char c, e;

		/* Eight bytes copied at once, kept up to the first one to escape:
		 * they print as at least eight bytes, so dst has the room. */
		while (i + 8 <= len) {
			uint64_t x = load8(u + i), special = escaped_bytes(x);
			size_t plain = special ? first_marked(special) : 8;

			memcpy(dst, &x, sizeof(x));
			dst += plain;
			i += plain;
			if (special)
				break;
		}
		while (i < len && u[i] >= 0x20 && u[i] != '"' && u[i] != '\\')
			*dst++ = (char)u[i++];
		if (i == len)
			break;
		c = u[i++];
		e = escape_of(c);
		*dst++ = '\\';
		*dst++ = (char)e;
		if (e == 'u') {
			*dst++ = '0';
			*dst++ = '0';
			*dst++ = hex[c >> 4];
			*dst++ = hex[c & 0xf];
		}
	}
	*dst++ = '"';
	return dst;
}
