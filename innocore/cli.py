"""The root CLI: ``flask innocore ...`` (demo, scheduler, jobs, admins, API tokens)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from innocore.errors import DomainError
from innocore.extensions import db

T = TypeVar("T")
cli = AppGroup("innocore", help="InnoCore platform commands.")
token_cli = AppGroup("token", help="Personal access tokens for the JSON API.")
cli.add_command(token_cli)
sso_cli = AppGroup("sso", help="Institutional sign-in: the key that seals client secrets.")
cli.add_command(sso_cli)


def register_cli(app: Flask) -> None:
    app.cli.add_command(cli)


def _log_to_stderr() -> None:
    """Long-running commands say what they do: from the ``LOG_LEVEL`` setting (INFO) up to
    stderr, with the time (jobs' results, failures with their traceback). APScheduler's own
    line per run stays out below DEBUG: ``innocore.jobs`` says what a job did, when it did
    something."""
    import logging

    level = logging.getLevelName(current_app.config["LOG_LEVEL"].upper())
    if not isinstance(level, int):
        raise click.ClickException("INNOCORE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR.")
    logging.basicConfig(  # force: replaces the WARN-level setup the migrations' env.py leaves
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    quiet = logging.WARNING if level > logging.DEBUG else logging.DEBUG
    for name in ("apscheduler.scheduler", "apscheduler.executors"):
        logging.getLogger(name).setLevel(quiet)


def refused_as_click_error(action: Callable[[], T]) -> T:
    """Run one use case for a command and return its result; a refusal (``DomainError``) rolls
    back and becomes a ``click.ClickException`` with every problem's message (the command exits
    with status 1 and says why on stderr). The one place a command turns a refusal into a click
    error; the command commits after it."""
    try:
        return action()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from None


def _user(email: str):
    from innocore.accounts.services import get_user_by_email

    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    return user


@cli.command("scheduler")
def scheduler_command():
    """Run the scheduled jobs in this process beside the web workers (a second one is safe: every
    job runs under a lease in the database)."""
    from innocore.jobs import build_scheduler, jobs

    _log_to_stderr()
    for job in jobs(current_app).values():
        click.echo(f"job {job.name}: every {job.seconds} s")
    build_scheduler(current_app._get_current_object()).start()


@cli.command("run-job")
@click.argument("name")
def run_job_command(name: str):
    """Run one scheduled job once, now (safe to repeat: jobs are idempotent). Exits with status 1,
    after logging the traceback, when the job fails, and when another process runs it now."""
    from innocore.jobs import SKIPPED, jobs, run_job

    table = jobs(current_app)
    if name not in table:
        raise click.ClickException(f"Unknown job {name}; known: {', '.join(sorted(table))}.")
    try:
        result = run_job(current_app._get_current_object(), table[name], reraise=True)
    except Exception as err:
        raise click.ClickException(f"job {name} failed: {err!r}") from None
    if result == SKIPPED:
        raise click.ClickException(f"{name} not run: another process runs it now; try again later.")
    click.echo(f"{name}: {result}")


@cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--organisation", required=True, help="Existing organisation name.")
@click.password_option()
def create_admin(email: str, name: str, organisation: str, password: str):
    """Create a verified network administrator."""
    from innocore import clock
    from innocore.accounts import services
    from innocore.accounts.models import Organisation

    org = db.session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == organisation.lower())
    )
    if org is None:
        raise click.ClickException(f"No organisation named {organisation!r}.")
    user = refused_as_click_error(
        lambda: services.register(name=name, email=email, password=password, organisation=org)
    )
    user.is_network_admin = True
    user.email_verified_at = clock.now()
    db.session.commit()
    click.echo(f"Network administrator {user.email} created.")


@token_cli.command("create")
@click.argument("email")
@click.argument("name")
def token_create(email: str, name: str):
    """Create a token for EMAIL; prints the secret once."""
    from innocore.accounts.tokens import create_token

    token, raw = refused_as_click_error(lambda: create_token(_user(email), name))
    db.session.commit()
    click.echo(f"token {token.id} for {email}: {raw}")
    click.echo("Store it now: it is not shown again.")


@token_cli.command("revoke")
@click.argument("email")
@click.argument("token_id", type=int)
def token_revoke(email: str, token_id: int):
    """Revoke token TOKEN_ID of EMAIL."""
    from innocore.accounts.tokens import revoke_token

    refused_as_click_error(lambda: revoke_token(_user(email), token_id))
    db.session.commit()
    click.echo(f"token {token_id} revoked")


@token_cli.command("list")
@click.argument("email")
def token_list(email: str):
    """List the tokens of EMAIL."""
    from innocore.accounts.tokens import list_tokens

    for t in list_tokens(_user(email)):
        state = "revoked" if t.revoked_at else "active"
        click.echo(f"{t.id}\t{t.display_prefix}…\t{state}\t{t.name}")


@sso_cli.command("rotate-key")
@click.option(
    "--retire",
    is_flag=True,
    help="Instead: drop the older keys (after every host has the new key file and secrets "
    "were sealed again).",
)
def sso_rotate_key(retire: bool):
    """Seal the institutions' client secrets under a new key (instance/sso_secret.key).

    Without --retire: a new key goes first in the key file (older keys still open secrets) and
    every stored client secret is sealed again under it, in one transaction. Copy the key file
    to every host, then run with --retire to drop the older keys."""
    from innocore.sso import vault
    from innocore.sso.models import SsoConnection
    from innocore.sso.services import reseal_client_secrets

    if retire:
        stored = list(db.session.scalars(sa.select(SsoConnection.sealed_secret)))
        try:
            dropped = vault.retire_old_keys(stored)
        except ValueError as err:
            raise click.ClickException(f"{err}: run rotate-key without --retire first.") from None
        click.echo(f"{dropped} older key(s) dropped; the key file holds one key.")
        return
    count = vault.add_key()
    resealed = refused_as_click_error(reseal_client_secrets)
    db.session.commit()
    click.echo(f"New key added ({count} in the file); {resealed} client secret(s) sealed again.")
    click.echo("Copy instance/sso_secret.key to every host, then run: rotate-key --retire")


@cli.command("retry-failed-mail")
@click.option("--dry-run", is_flag=True, help="Only count what would be re-queued.")
def retry_failed_mail(dry_run: bool):
    """Put e-mails that gave up (FAILED) back in the outbox, for after a long mail-server outage."""
    from innocore import clock
    from innocore.notifications.models import DeliveryStatus, Notification

    stmt = (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.status == DeliveryStatus.FAILED)
    )
    count = db.session.scalar(stmt)
    if not dry_run:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.status == DeliveryStatus.FAILED)
            .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=clock.now())
        )
        db.session.commit()
    click.echo(f"{count} e-mail(s) {'would be' if dry_run else ''} re-queued".replace("  ", " "))


@cli.command("demo")
@click.option("--serve/--no-serve", default=False, help="Then run the server and the scheduler.")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def demo_command(serve: bool, host: str, port: int):
    """Migrate the database, seed the demo network (once), print the demo accounts; optionally serve."""
    from flask_migrate import upgrade

    from innocore.demo import DEMO_PASSWORD, seed_demo

    upgrade()
    app = current_app._get_current_object()
    if serve and not os.environ.get("INNOCORE_BASE_URL"):
        app.config["BASE_URL"] = f"http://{host}:{port}"  # links in e-mails and credentials
    created = seed_demo()
    db.session.commit()
    click.echo("Demo network " + ("created." if created else "already present."))
    click.echo(f"Every demo account uses the password: {DEMO_PASSWORD}")
    from innocore.demo import demo_accounts

    for email, role in demo_accounts():
        click.echo(f"  {email:40} {role}")
    if serve:
        from innocore.jobs import build_scheduler

        _log_to_stderr()
        if not ({"INNOCORE_MAIL_SERVER", "INNOCORE_MAIL_PORT"} & set(os.environ)):
            from innocore.demo_mail import start_mailbox

            _, mail_port, folder = start_mailbox(app.instance_path)
            app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_port)
            click.echo(f"E-mails the demo sends are kept in {folder} (one .eml file each);")
            click.echo("the log below names each one with its links (e.g. to confirm an account).")
        build_scheduler(app, background=True).start()
        click.echo(f"InnoCore runs on http://{host}:{port}/  (Ctrl+C stops it)")
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True, use_reloader=False)
