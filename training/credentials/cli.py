"""``flask training verify-credential FILE``: verify a credential file and say why it fails."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from training.credentials.verify import MAX_BYTES, verify_credential


@click.command("verify-credential")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_credential_command(file: Path, as_json: bool) -> None:
    """Verify FILE: proof, issuer key, status list and dates; exit 1 with the reason if invalid."""
    data = file.read_bytes()[: MAX_BYTES + 1]
    result = verify_credential(data)
    if as_json:
        click.echo(json.dumps(result.as_json()))
    else:
        verdict = "VALID" if result.valid else f"INVALID ({result.code})"
        click.echo(f"{verdict}: {result.message}")
        click.echo("checks passed: " + (", ".join(result.checks) or "none"))
    if not result.valid:
        sys.exit(1)


def register_cli(app: Flask) -> None:
    """Add the command to the ``training`` group, creating the group if nobody did yet."""
    group = app.cli.commands.get("training")
    if group is None:
        group = AppGroup("training", help="Training and certification commands.")
        app.cli.add_command(group)
    group.add_command(verify_credential_command)
