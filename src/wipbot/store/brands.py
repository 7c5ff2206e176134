"""Brands and their members: the Slack side of who may see and decide what."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import AuditLog, Brand, BrandMember

ROLES = ("viewer", "merchandiser", "approver", "admin")


async def brand_by_name(session: AsyncSession, name: str) -> Brand | None:
    return (await session.exec(select(Brand).where(Brand.name == name))).first()


async def brand_by_team(session: AsyncSession, team_id: str) -> Brand | None:
    return (await session.exec(select(Brand).where(Brand.slack_team_id == team_id))).first()


async def upsert_brand(
    session: AsyncSession,
    name: str,
    *,
    slack_team_id: str | None = None,
    alerts_channel: str | None = None,
    approvals_channel: str | None = None,
    actor: str = "cli",
    timezone: str | None = None,
) -> Brand:
    """Create the brand or update only the fields given."""
    brand = await brand_by_name(session, name)
    if brand is None:
        brand = Brand(name=name)
        session.add(brand)
    if slack_team_id is not None:
        brand.slack_team_id = slack_team_id
    if alerts_channel is not None:
        brand.alerts_channel = alerts_channel
    if approvals_channel is not None:
        brand.approvals_channel = approvals_channel
    if timezone is not None:
        brand.timezone = timezone
    await session.flush()
    session.add(
        AuditLog(
            brand_id=brand.id,
            actor=actor,
            action="brand.upsert",
            subject=name,
            details={
                "slack_team_id": brand.slack_team_id,
                "alerts_channel": brand.alerts_channel,
                "approvals_channel": brand.approvals_channel,
                "timezone": brand.timezone,
            },
        )
    )
    return brand


async def set_member(
    session: AsyncSession,
    brand: Brand,
    slack_user_id: str,
    role: str,
    *,
    name: str = "",
    actor: str = "cli",
) -> BrandMember:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    assert brand.id is not None
    member = (
        await session.exec(
            select(BrandMember)
            .where(BrandMember.brand_id == brand.id)
            .where(BrandMember.slack_user_id == slack_user_id)
        )
    ).first()
    if member is None:
        member = BrandMember(brand_id=brand.id, slack_user_id=slack_user_id)
        session.add(member)
    member.role = role
    if name:
        member.name = name
    session.add(
        AuditLog(
            brand_id=brand.id,
            actor=actor,
            action="brand.member",
            subject=slack_user_id,
            details={"role": role},
        )
    )
    await session.flush()
    return member


async def member_role(session: AsyncSession, brand_id: int, slack_user_id: str) -> str | None:
    member = (
        await session.exec(
            select(BrandMember)
            .where(BrandMember.brand_id == brand_id)
            .where(BrandMember.slack_user_id == slack_user_id)
        )
    ).first()
    return member.role if member else None
