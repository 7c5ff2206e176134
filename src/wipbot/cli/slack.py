"""`wipbot slack`: what a Slack admin needs to create the app."""

from __future__ import annotations

import typer

from wipbot.bot.config import Settings
from wipbot.bot.slack.manifest import PLACEHOLDER_URL, manifest, manifest_yaml

from .common import JsonOption, print_json

app = typer.Typer(help="Slack app setup.", no_args_is_help=True)


@app.command("manifest")
def manifest_command(
    public_url: str | None = typer.Option(
        None, "--public-url", help="Where /slack/events is reachable (default: WIPBOT_PUBLIC_URL)."
    ),
    socket_mode: bool = typer.Option(
        False, "--socket-mode", help="No public URL: Slack connects over Socket Mode."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Print the app manifest to paste at api.slack.com/apps -> Create New App."""
    url = public_url or Settings().public_url or PLACEHOLDER_URL
    if as_json:
        print_json(manifest(url, socket_mode=socket_mode))
        return
    typer.echo(manifest_yaml(url, socket_mode=socket_mode), nl=False)
