"""`wipbot`: the command line. Each command group lives in its own module under bot/commands."""

from __future__ import annotations

import typer

from .commands import (
    brand,
    contact,
    cost,
    db,
    demo,
    gate,
    importing,
    outbox,
    po,
    prompt,
    qc,
    serve,
    shell,
    slack,
)

app = typer.Typer(
    name="wipbot",
    help="Production-order check-ins from factories, gate approvals and late-risk alerts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(brand.app, name="brand")
app.command("run")(serve.run_command)
app.add_typer(contact.app, name="contact")
app.command("shell")(shell.shell_command)
app.command("outbox")(outbox.outbox_command)
app.add_typer(gate.app, name="gate")
app.add_typer(slack.app, name="slack")
app.add_typer(importing.app, name="import")
app.add_typer(po.app, name="po")
app.add_typer(prompt.app, name="prompt")
app.add_typer(qc.app, name="qc")
app.command("cost")(cost.cost_command)
app.command("demo")(demo.demo_command)


def main() -> None:
    app()
