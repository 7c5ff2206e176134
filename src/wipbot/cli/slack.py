"""`wipbot slack`: what a Slack admin needs to create the app."""

from __future__ import annotations

from urllib.parse import urlsplit

import typer

from wipbot.bot.slack.manifest import PLACEHOLDER_URL, manifest, manifest_yaml

from .common import JsonOption, fail, load_settings, print_json, shown_value

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
    url = public_url or load_settings().public_url or PLACEHOLDER_URL
    where = urlsplit(url)
    if where.scheme not in ("https", "http") or not where.hostname:
        option = "--public-url" if public_url else "WIPBOT_PUBLIC_URL"
        raise fail(f"{option}: {shown_value(url)} is not a URL such as https://wipbot.example.com")
    if as_json:
        print_json(manifest(url, socket_mode=socket_mode))
        return
    typer.echo(manifest_yaml(url, socket_mode=socket_mode), nl=False)
