"""Writing a typed conversation state back as the JSON it was read from.

A state is read once per turn and written back at its end. Its keys keep the order they were
stored in, keys the stored JSON lacked stay absent while they hold their default, and new keys
follow in the order the type lists them: so a state the untyped code wrote re-serialises to the
same bytes, and a stale button that changes nothing leaves the row exactly as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def stored_shape(
    values: Mapping[str, Any], defaults: Mapping[str, Any], layout: Sequence[str]
) -> dict[str, Any]:
    """`values` (every key the type knows, in its own order) as JSON shaped like `layout`."""
    present = {k: v for k, v in values.items() if k in layout or v != defaults.get(k)}
    ordered = [k for k in layout if k in present]
    ordered += [k for k in present if k not in layout]
    return {k: present[k] for k in ordered}
