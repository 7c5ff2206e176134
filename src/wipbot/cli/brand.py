"""`wipbot brand`: a brand's Slack workspace, channels and members."""

from __future__ import annotations

import typer
from rich.markup import escape
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.digest import valid_timezone
from wipbot.store.brands import ROLES, brand_by_name, brand_by_team, set_member, upsert_brand
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Brand, BrandMember

from .common import (
    JsonOption,
    console,
    fail,
    not_blank,
    print_json,
    run,
    shown_value,
    with_database,
    within_column,
)

app = typer.Typer(help="Brands, their Slack workspace and members.", no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Brand name, e.g. 'Northwind Apparel'."),
    slack_team: str | None = typer.Option(None, "--slack-team", help="Slack team id (T…)."),
    alerts_channel: str | None = typer.Option(None, "--alerts-channel", help="Channel id (C…)."),
    approvals_channel: str | None = typer.Option(None, "--approvals-channel"),
    timezone: str | None = typer.Option(
        None, "--timezone", help="IANA timezone of the brand's Monday digest, e.g. Europe/Berlin."
    ),
) -> None:
    """Create a brand, or update its Slack team, channels and timezone."""
    within_column(not_blank(name, "NAME"), Brand.name, "NAME")
    for value, column, option in (
        (slack_team, Brand.slack_team_id, "--slack-team"),
        (alerts_channel, Brand.alerts_channel, "--alerts-channel"),
        (approvals_channel, Brand.approvals_channel, "--approvals-channel"),
    ):
        if value is not None:
            within_column(not_blank(value, option), column, option)
    if timezone is not None and not _known_timezone(
        within_column(timezone, Brand.timezone, "--timezone")
    ):
        raise fail(
            f"unknown timezone {shown_value(timezone)}; use an IANA name such as Europe/Berlin"
        )

    async def work(factory: SessionFactory) -> Brand:
        async with transaction(factory) as session:
            if slack_team is not None:
                await _team_is_free(session, slack_team, name)
            return await upsert_brand(
                session,
                name,
                slack_team_id=slack_team,
                alerts_channel=alerts_channel,
                approvals_channel=approvals_channel,
                timezone=timezone,
            )

    brand = run(with_database(work))
    console.print(
        f"brand [bold]{escape(brand.name)}[/bold]: team {escape(brand.slack_team_id or '-')}, "
        f"alerts {escape(brand.alerts_channel or '-')}, "
        f"approvals {escape(brand.approvals_channel or '-')}, timezone {escape(brand.timezone)}"
    )


def _known_timezone(name: str) -> bool:
    """A zone, not a folder of the zone database ("America") nor a name the system refuses."""
    try:
        return valid_timezone(name)
    except OSError:
        return False


async def _team_is_free(session: AsyncSession, team: str, name: str) -> None:
    """One Slack workspace belongs to one brand: its events are routed by the team id."""
    owner = await brand_by_team(session, team)
    if owner is not None and owner.name != name:
        raise fail(f"--slack-team: {team!r} is already the workspace of brand {owner.name!r}")


@app.command("member")
def member(
    brand_name: str = typer.Argument(..., help="Brand name."),
    slack_user: str = typer.Argument(..., help="Slack user id (U…)."),
    role: str = typer.Option("viewer", "--role", help=f"One of: {', '.join(ROLES)}."),
    name: str = typer.Option("", "--name", help="Display name."),
) -> None:
    """Add a member to a brand or change their role."""
    if role not in ROLES:
        raise fail(f"--role: unknown role {shown_value(role)}; expected one of {', '.join(ROLES)}")
    within_column(not_blank(slack_user, "SLACK_USER"), BrandMember.slack_user_id, "SLACK_USER")
    within_column(name, BrandMember.name, "--name")

    async def work(factory: SessionFactory) -> BrandMember | None:
        async with transaction(factory) as session:
            brand = await brand_by_name(session, brand_name)
            if brand is None:
                return None
            return await set_member(session, brand, slack_user, role, name=name)

    result = run(with_database(work))
    if result is None:
        raise fail(f"no brand named {shown_value(brand_name)}; create it with `wipbot brand add`")
    console.print(f"{slack_user} is now {role} of {brand_name}", markup=False, highlight=False)


@app.command("list")
def list_brands(as_json: bool = JsonOption) -> None:
    """Brands with their Slack settings and members."""

    async def work(factory: SessionFactory) -> list[dict[str, object]]:
        async with factory() as session:
            brands = (await session.exec(select(Brand).order_by(Brand.name))).all()
            members = (await session.exec(select(BrandMember))).all()
        return [
            {
                "name": b.name,
                "slack_team_id": b.slack_team_id,
                "alerts_channel": b.alerts_channel,
                "approvals_channel": b.approvals_channel,
                "members": [
                    {"slack_user_id": m.slack_user_id, "name": m.name, "role": m.role}
                    for m in members
                    if m.brand_id == b.id
                ],
            }
            for b in brands
        ]

    data = run(with_database(work))
    if as_json:
        print_json(data)
        return
    for b in data:
        console.print(
            f"[bold]{escape(str(b['name']))}[/bold] team={escape(str(b['slack_team_id']))} "
            f"alerts={escape(str(b['alerts_channel']))} "
            f"approvals={escape(str(b['approvals_channel']))}"
        )
        for m in b["members"]:  # type: ignore[attr-defined]
            console.print(f"  {m['slack_user_id']} {m['name']} ({m['role']})", markup=False)
