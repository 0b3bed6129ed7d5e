/* jsonrpc-echo.c: the benchmarks' baseline: a bare JSON-RPC server on stdio that answers every request with an empty result. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	/* The same work schedmcp does per message, minus MCP: parse, build, print. */
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_t *req = json_loadb(line, (size_t)n, 0, NULL), *resp;
		char *out;

		if (!req)
			continue;
		resp = json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id", json_object_get(req, "id"), "result");
		out = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
		if (out) {
			fputs(out, stdout);
			fputc('\n', stdout);
			fflush(stdout);
		}
		free(out);
		json_decref(resp);
		json_decref(req);
	}
	free(line);
	return 0;
}
