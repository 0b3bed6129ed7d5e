/* uri-template.h: the RFC 6570 subset MCP resource templates use: {var} path segments and a {?a,b} query. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct uri_template;

/* -EINVAL (with a sentence in err) for anything beyond level 1 path
 * variables and one trailing form-style query expression. */
int uri_template_parse(const char *text, struct uri_template **ret, char *err, size_t err_size);
void uri_template_free(struct uri_template *t);

/* 1 with the variables (an object of percent-decoded strings) when uri
 * matches; 0 when it does not; -EINVAL with a sentence in err when the path
 * matches but the query names a variable the template does not have (err
 * then lists those it has), or repeats one. */
int uri_template_match(const struct uri_template *t, const char *uri, json_t **ret_vars, char *err,
		       size_t err_size);

/* The template has a variable of this name. */
bool uri_template_has_var(const struct uri_template *t, const char *name);
