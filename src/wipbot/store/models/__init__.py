"""Every table, importable from one place so that metadata is complete for migrations."""

from .alert import Alert
from .audit import AuditLog
from .brand import Brand, BrandMember
from .checkin import CheckIn, CheckInIssue, CheckInPhoto
from .cost import LandedCharge
from .digest import DigestSubscription, WeeklyDigest
from .factory import Contact, Factory, FactoryClosure
from .gate import Gate, GateChecklistItem
from .judgement import RiskJudgement
from .messaging import ConversationState, OutboxMessage, ScheduledPrompt, SeenInbound
from .orders import ProductionOrder, PurchaseOrder, PurchaseOrderLine, Style, TnaMilestone
from .qc import QcDefect, QcInspection, QcPhoto

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
]
