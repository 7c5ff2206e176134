"""The Slack app manifest: scopes, slash commands, interactivity and App Home in one paste.

The manifest is built here, next to the listeners it must match, and written as YAML by a
tiny emitter (no YAML library is a dependency). `slack/manifest.yml` in the repository is its
rendering for a placeholder URL; `wipbot slack manifest --public-url URL` prints yours.
"""

from __future__ import annotations

import json
from typing import Any

from .channel import EVENTS_PATH

PLACEHOLDER_URL = "https://wipbot.example.com"
BOT_SCOPES = ("commands", "chat:write", "chat:write.public")
BOT_EVENTS = ("app_home_opened",)
SLASH_COMMANDS = (
    ("/po", "PO status, late list or a factory's WIP", "[PO-1042 | late | factory NAME]"),
    ("/gate", "Request a sample-to-bulk gate approval", "PO-1042 [done|undo ITEM]"),
    ("/qc", "QC inspections of a PO: verdicts, defects, photos", "PO-1042"),
    ("/landed", "Landed cost and margin per line of a PO", "PO-1042"),
    ("/digest", "The Monday digest in this channel", "[on | off]"),
)


def manifest(public_url: str = PLACEHOLDER_URL, *, socket_mode: bool = False) -> dict[str, Any]:
    url = public_url.rstrip("/") + EVENTS_PATH
    commands: list[dict[str, Any]] = []
    for command, description, hint in SLASH_COMMANDS:
        entry: dict[str, Any] = {"command": command, "description": description}
        if not socket_mode:
            entry["url"] = url
        entry["usage_hint"] = hint
        entry["should_escape"] = False
        commands.append(entry)
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        events = {"request_url": url, **events}
        interactivity["request_url"] = url
    return {
        "display_information": {
            "name": "wipbot",
            "description": "PO status, gate approvals and late-risk alerts from your factories.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "wipbot", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(public_url: str = PLACEHOLDER_URL, *, socket_mode: bool = False) -> str:
    header = (
        "# Slack app manifest for wipbot. Paste it at https://api.slack.com/apps ->\n"
        "# Create New App -> From a manifest. Regenerate for your URL with:\n"
        "#   wipbot slack manifest --public-url https://your-host [--socket-mode]\n"
    )
    return header + to_yaml(manifest(public_url, socket_mode=socket_mode))


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for dicts, lists and scalars; strings are JSON-quoted, valid YAML."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 1).rstrip("\n"))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                nested = to_yaml(item, indent + 1).rstrip("\n").splitlines()
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(pad + _scalar(value))
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(str(value), ensure_ascii=False)
