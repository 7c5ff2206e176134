"""Signed links to QC photos, for the Slack card: a URL under WIPBOT_PUBLIC_URL naming the stored
photo, an expiry and an HMAC of both, so a card pasted in Slack opens its photos for a week without
opening every photo to whoever guesses an id. The route that honours them is in media.py.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from wipbot.handlers.qc import PhotoRef
from wipbot.production.clock import Clock, system_clock

from .config import Settings

PHOTO_PATH = "/media/qc/{photo_id:int}"
LINK_LIFETIME = timedelta(days=7)
DERIVATION_LABEL = b"wipbot media links v1"
MAX_EXPIRY_DIGITS = 12

PhotoUrl = Callable[[PhotoRef], str | None]
"""A signed link to a photo, or None where there is none (console photos, not yet stored)."""


def served_platforms(settings: Settings) -> frozenset[str]:
    """Platforms whose photos the route fetches: those configured. Console photos are not
    served (their id is a name typed at a terminal, not a file to hand out over HTTP)."""
    served = {"telegram"} if settings.telegram_enabled else set()
    if settings.whatsapp_enabled:
        served.add("whatsapp")
    return frozenset(served)


def media_secret(settings: Settings) -> bytes | None:
    """WIPBOT_MEDIA_SECRET, else one derived from SLACK_SIGNING_SECRET (never that secret
    itself, so a leaked link tells nothing about Slack's); None: no links."""
    if settings.media_secret is not None:
        return settings.media_secret.get_secret_value().encode()
    if settings.slack_signing_secret is not None:
        slack = settings.slack_signing_secret.get_secret_value().encode()
        return hmac.new(slack, DERIVATION_LABEL, hashlib.sha256).digest()
    return None


@dataclass(frozen=True)
class MediaSigner:
    secret: bytes
    lifetime: timedelta = LINK_LIFETIME

    def signature(self, photo_id: int, expires: int) -> str:
        message = f"qc-photo:{photo_id}:{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def query(self, photo_id: int, now: datetime) -> str:
        expires = int((now + self.lifetime).timestamp())
        return f"exp={expires}&sig={self.signature(photo_id, expires)}"

    def valid(self, photo_id: int, expires: str, signature: str, now: datetime) -> bool:
        """Whatever the query holds: only ASCII digits of a sane length count as an expiry."""
        if not (expires.isascii() and expires.isdigit() and len(expires) <= MAX_EXPIRY_DIGITS):
            return False
        if int(expires) < now.timestamp():
            return False
        expected = self.signature(photo_id, int(expires)).encode()
        return hmac.compare_digest(signature.encode(), expected)


@dataclass(frozen=True)
class PhotoLinks:
    """What the Slack card asks of each photo: a signed URL, or None to show its id instead."""

    public_url: str
    signer: MediaSigner
    platforms: frozenset[str]
    clock: Clock = system_clock

    def __call__(self, photo: PhotoRef) -> str | None:
        if photo.id is None or photo.platform not in self.platforms:
            return None
        path = PHOTO_PATH.replace("{photo_id:int}", str(photo.id))
        return f"{self.public_url.rstrip('/')}{path}?{self.signer.query(photo.id, self.clock())}"


def photo_links(settings: Settings, clock: Clock = system_clock) -> PhotoLinks | None:
    secret = media_secret(settings)
    if not settings.public_url or secret is None:
        return None
    return PhotoLinks(settings.public_url, MediaSigner(secret), served_platforms(settings), clock)
