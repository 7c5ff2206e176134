"""One module per command group; each exposes a typer `app` or plain commands."""
