"""Commands: `flask --app wsgi <command>` (DESIGN.md, "Commands")."""

from __future__ import annotations

import click
from flask import Flask

from portal.database import writing_transactions
from portal.extensions import db
from portal.models.purchases import API_SCOPES


def register_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has members.")
    @click.option(
        "--members",
        type=click.IntRange(min=0, max=5000),
        default=None,
        help="How many generated members live around the named ones (default 300).",
    )
    def seed_demo_command(if_empty: bool, members: int | None) -> None:
        """Load the demo programme (idempotent): accounts, history, catalogue, and a few hundred
        members with three years of purchases, points, referrals, events and surveys."""
        from sqlalchemy import func, select

        from portal.demo import GENERATED_MEMBERS, seed_demo
        from portal.models import Member

        if if_empty and db.session.scalar(select(func.count(Member.id))):
            click.echo("The database already has members; demo data not loaded.")
            return
        with writing_transactions():
            if members is None:
                members = app.config.get("DEMO_GENERATED_MEMBERS", GENERATED_MEMBERS)
            summary = seed_demo(generated_members=members)
            db.session.commit()
        for line in summary:
            click.echo(line)

    @app.cli.command("create-api-token")
    @click.argument("name")
    @click.option(
        "--scope",
        "scopes",
        multiple=True,
        type=click.Choice(API_SCOPES),
        help="What the token may do (repeat the option); all three unless given.",
    )
    @click.option("--store", default=None, help="The store whose purchases the token records.")
    @click.option(
        "--expires-in-days",
        type=click.IntRange(min=1, max=3650),
        default=None,
        help="The token stops working this many days from now (default: never).",
    )
    def create_api_token_command(
        name: str, scopes: tuple[str, ...], store: str | None, expires_in_days: int | None
    ) -> None:
        """Make a Bearer token for a till or the online shop; printed once, on the last line."""
        from datetime import timedelta

        from portal.clock import utcnow
        from portal.services.purchases.api_tokens import create_api_token

        expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
        token, plaintext = create_api_token(
            name, scopes=scopes or API_SCOPES, store=store, expires_at=expires_at
        )
        db.session.commit()
        click.echo(
            f"API token {token.id} ({token.name}) created with scopes {token.scopes}"
            + (f" for {token.store}" if token.store else "")
            + (f", expiring {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "")
            + "."
        )
        click.echo("Store it now: it is not shown again. Send it as the header")
        click.echo("Authorization: Bearer <token>")
        click.echo(plaintext)

    @app.cli.command("revoke-api-token")
    @click.argument("name")
    def revoke_api_token_command(name: str) -> None:
        """Revoke the live token(s) with this name: from now on they get 401."""
        from portal.services.programme.refusals import Missing
        from portal.services.purchases.api_tokens import revoke_api_tokens_named

        try:
            tokens = revoke_api_tokens_named(name)
        except Missing:
            raise click.ClickException(f"No live API token is named {name!r}.") from None
        db.session.commit()
        for token in tokens:
            click.echo(f"API token {token.id} ({token.name}, {token.prefix}…) revoked.")

    @app.cli.command("run-jobs")
    @click.option(
        "--only", "only", multiple=True, metavar="JOB", help="Run just this job (repeatable)."
    )
    def run_jobs_command(only: tuple[str, ...]) -> None:
        """Run the periodic work once (expiry, tier evaluation, reminders, mail)."""
        from portal.jobs import periodic_jobs, run_periodic_jobs

        unknown = set(only) - {name for name, _job in periodic_jobs()}
        if unknown:
            raise click.BadParameter(", ".join(sorted(unknown)), param_hint="--only")
        with writing_transactions():
            results = run_periodic_jobs(only)
        if results is None:
            click.echo("Another run-jobs is in progress; nothing to do.")
            return
        for name, count in results.items():
            click.echo(f"{name}: {'failed' if count < 0 else count}")
        if any(count < 0 for count in results.values()):
            raise SystemExit(1)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path: str) -> None:
        """Copy the SQLite database to PATH while the portal runs (PostgreSQL: pg_dump)."""
        from portal.backup import BackupRefused, backup_database

        try:
            pages = backup_database(db.engine, path)
        except BackupRefused as refused:
            raise click.ClickException(str(refused)) from refused
        click.echo(f"Backed up to {path} ({pages} pages).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--replace", is_flag=True, help="Overwrite a database that has members already.")
    def restore_command(path: str, replace: bool) -> None:
        """Replace the SQLite database with the backup at PATH (PostgreSQL: pg_restore)."""
        from portal.backup import BackupRefused, restore_database

        try:
            revision = restore_database(db.engine, path, replace=replace)
        except BackupRefused as refused:
            raise click.ClickException(str(refused)) from refused
        click.echo(
            f"Restored {path} (schema {revision or 'unknown'}). Run `flask --app wsgi db "
            "upgrade` if this release is newer than the backup."
        )

    @app.cli.command("seed-scale")
    @click.option("--members", type=click.IntRange(min=0), default=1000, show_default=True)
    @click.option("--purchases", type=click.IntRange(min=0), default=20000, show_default=True)
    @click.option("--seed", type=int, default=None, help="Repeatable data for a given seed.")
    @click.option(
        "--audit-rows",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Also add this many synthetic audit log rows.",
    )
    def seed_scale_command(members: int, purchases: int, seed: int | None, audit_rows: int) -> None:
        """Add synthetic members and purchases (with their ledger) to measure at scale."""
        from portal.demo.scale import seed_scale
        from portal.demo.scale_audit import seed_audit_rows

        if purchases and not members:
            raise click.UsageError("--purchases needs at least one member (--members).")
        with click.progressbar(length=members, label="Members and their purchases") as bar:
            summary = seed_scale(members, purchases, seed=seed, progress=bar.update)
        click.echo(
            f"members: {summary.members}, purchases: {summary.purchases}, "
            f"ledger entries: {summary.ledger_entries}"
        )
        click.echo("tiers: " + ", ".join(f"{code} {n}" for code, n in summary.tiers.items()))
        if audit_rows:
            with click.progressbar(length=audit_rows, label="Audit log rows") as bar:
                written = seed_audit_rows(audit_rows, seed=seed, progress=bar.update)
            click.echo(f"audit rows: {written}")
