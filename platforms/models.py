"""Locations, AWS platform instances, landing zones and role mappings (arriving with issue 4)."""
