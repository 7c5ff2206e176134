"""The audit log: every decision, written in the same transaction as the decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from . import models
from .fitting import fitted as fitted_to
from .models.audit import NAME_CHARS

if TYPE_CHECKING:
    from .models import AuditLog


def fitted(name: str) -> str:
    """An actor or subject within its column: the end kept, where a file path or a long name
    says most, behind an ellipsis. A record too long to store must not fail the decision it
    records (a file imported from a deep folder, say)."""
    return fitted_to(name, NAME_CHARS, keep="end")


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject: str = "",
    brand_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    entry = models.AuditLog(
        brand_id=brand_id,
        actor=fitted(actor),
        action=action,
        subject=fitted(subject),
        details=details or {},
    )
    session.add(entry)
    return entry


_ADD = insert(models.AuditLog.__table__)  # type: ignore[attr-defined]


async def write(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject: str = "",
    brand_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """`record` as one Core INSERT on the session's connection, for hot paths that write their
    other rows without the ORM's unit of work."""
    entry = {
        "brand_id": brand_id,
        "actor": fitted(actor),
        "action": action,
        "subject": fitted(subject),
        "details": details or {},
    }
    await (await session.connection()).execute(_ADD, entry)


async def write_many(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """`write` for several entries in one statement: each a mapping of `write`'s arguments."""
    if entries:
        rows = [
            {
                "brand_id": None,
                **e,
                "actor": fitted(e["actor"]),
                "subject": fitted(e.get("subject", "")),
                "details": e.get("details") or {},
            }
            for e in entries
        ]
        await (await session.connection()).execute(_ADD, rows)
