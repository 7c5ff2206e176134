"""Brand member roles, ordered: each role may do everything the roles below it may."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    MERCHANDISER = "merchandiser"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return ROLES.index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= Role(other).rank


ROLES: tuple[Role, ...] = tuple(Role)


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(ROLES)
        raise ValueError(f"unknown role {value!r}; expected one of {names}") from None
