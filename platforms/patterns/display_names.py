"""Display names: free text a person reads (customers, projects, locations, platforms, landing
zones, project roles)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# The embeddings, overrides and isolates of Unicode's bidirectional algorithm: they make text
# display in another order than it is stored ("Trojan Source"), so a name could show as another.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def validate_display_name(value: str) -> None:
    """Refuse a display name holding a bidirectional control character."""
    found = BIDI_CONTROLS.search(value or "")
    if found is not None:
        raise ValidationError(
            f"must not contain the bidirectional control character U+{ord(found[0]):04X}: it "
            "makes a name display in another order than it is written",
            code="bidi_control",
        )
