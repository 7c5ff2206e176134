"""Every table, importable from one place; each module is loaded when one of its tables is first
asked for.

Defining a table class costs a few milliseconds (SQLModel collects its pydantic fields and
builds a SQLAlchemy table and mapper for each), so `wipbot po status`, which reads twelve tables
from five modules, does not define the other sixteen: a table no read query names (a brand's
members, a check-in's photos, a gate's checklist) lives in a module of its own. A table's
module imports the modules of the tables its foreign keys name, so whatever is loaded can be
flushed and joined. `load_all` completes the metadata for
migrations and schema comparisons.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .alert import Alert
    from .audit import AuditLog
    from .brand import Brand
    from .brand_member import BrandMember
    from .checkin import CheckIn, CheckInIssue
    from .checkin_photo import CheckInPhoto
    from .cost import LandedCharge
    from .digest import DigestSubscription, WeeklyDigest
    from .factory import Contact, Factory, FactoryClosure
    from .gate import Gate
    from .gate_checklist import GateChecklistItem
    from .judgement import RiskJudgement
    from .messaging import ConversationState, OutboxMessage, ScheduledPrompt, SeenInbound
    from .orders import ProductionOrder, PurchaseOrder, PurchaseOrderLine, Style, TnaMilestone
    from .qc import QcDefect, QcInspection, QcPhoto

MODULES: dict[str, tuple[str, ...]] = {
    "alert": ("Alert",),
    "audit": ("AuditLog",),
    "brand": ("Brand",),
    "brand_member": ("BrandMember",),
    "checkin": ("CheckIn", "CheckInIssue"),
    "checkin_photo": ("CheckInPhoto",),
    "cost": ("LandedCharge",),
    "digest": ("DigestSubscription", "WeeklyDigest"),
    "factory": ("Contact", "Factory", "FactoryClosure"),
    "gate": ("Gate",),
    "gate_checklist": ("GateChecklistItem",),
    "judgement": ("RiskJudgement",),
    "messaging": ("ConversationState", "OutboxMessage", "ScheduledPrompt", "SeenInbound"),
    "orders": ("ProductionOrder", "PurchaseOrder", "PurchaseOrderLine", "Style", "TnaMilestone"),
    "qc": ("QcDefect", "QcInspection", "QcPhoto"),
}
"""Each module of this package and the tables it defines."""

_MODULE_OF = {table: module for module, tables in MODULES.items() for table in tables}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = found
    return found


def load_all() -> None:
    """Define every table, so that `SQLModel.metadata` holds the whole schema."""
    for module in MODULES:
        import_module(f"{__name__}.{module}")


__all__ = [
    "Alert",
    "AuditLog",
    "Brand",
    "BrandMember",
    "CheckIn",
    "CheckInIssue",
    "CheckInPhoto",
    "Contact",
    "ConversationState",
    "DigestSubscription",
    "Factory",
    "FactoryClosure",
    "Gate",
    "GateChecklistItem",
    "LandedCharge",
    "OutboxMessage",
    "ProductionOrder",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "QcDefect",
    "QcInspection",
    "QcPhoto",
    "RiskJudgement",
    "ScheduledPrompt",
    "SeenInbound",
    "Style",
    "TnaMilestone",
    "WeeklyDigest",
    "load_all",
]
