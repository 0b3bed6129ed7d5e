/* resources.h: schedmcp's MCP resource table, each row answered by the collector. */
#pragma once

#include <stddef.h>

#include "mcp-server.h"

extern const struct mcp_resource schedmcp_resources[];
extern const size_t schedmcp_n_resources;
