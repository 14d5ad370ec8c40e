"""The MCP server: homelab-iac's service offered to language models (built out in its own issue)."""
