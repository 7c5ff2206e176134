"""Slack for brand teams: /po, gate approvals, alerts and the App Home (Bolt, Block Kit)."""

from .channel import SlackChannel, build_slack_channel
from .transport import SlackTransport

__all__ = ["SlackChannel", "SlackTransport", "build_slack_channel"]
