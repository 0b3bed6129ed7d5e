/* prompts.h: schedmcp's MCP prompts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "mcp-server.h"

extern const struct mcp_prompt schedmcp_prompts[];
extern const size_t schedmcp_n_prompts;

/* name is a resource URI, a template or a tool of schedmcp's tables. */
bool schedmcp_offers(const char *name);
