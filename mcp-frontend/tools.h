/* tools.h: schedmcp's MCP tool table. */
#pragma once

#include <stddef.h>

#include "mcp-server.h"

extern const struct mcp_tool schedmcp_tools[];
extern const size_t schedmcp_n_tools;
