"""Proof that a webhook call comes from Meta: the verify-token handshake and the body signature.

Both checks compare in constant time. The signature is computed over the raw body bytes exactly as
received, never over re-encoded JSON: Meta escapes non-ASCII text, a re-serialisation would not.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta sends for `body`: "sha256=" + hex HMAC-SHA256 under the app secret."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def valid_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith(_PREFIX):
        return False
    return hmac.compare_digest(sign(app_secret, body).encode(), header.strip().encode())


def verification_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo when Meta subscribes the webhook with our verify token, else None."""
    if params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token", "")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge")
