/* templates.h: schedmcp's MCP resource templates: collector resources read with arguments. */
#pragma once

#include <stddef.h>

#include "mcp-server.h"

extern const struct mcp_resource_template schedmcp_templates[];
extern const size_t schedmcp_n_templates;
