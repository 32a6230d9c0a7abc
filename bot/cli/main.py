"""`griddesk`: the command line, a Flask CLI group over the app factory."""
from __future__ import annotations

import secrets
import shlex
import sys
import time
from urllib.parse import urlencode

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bot import create_app, processes
from bot.cli import registry as registry_cli
from bot.services import services
from store import demo
from store.models import STAFF_ROLES, LocalDelivery, Staff
from store.registry import area_by_code

DEMO_PASSWORD = "griddesk"


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True)
def main():
    """GridDesk 网格服务台."""


registry_cli.attach(main)  # griddesk registry …, griddesk api-key …
processes.attach(main)  # griddesk worker, clock, redis


@main.command("init-db")
def init_db():
    """Create or upgrade the database schema (Alembic migrations)."""
    services().db.upgrade()
    click.echo(f"database ready: {services().db.engine.url.render_as_string()}")


@main.command("demo-data")
def demo_data():
    """Load the demo district: 2 streets, 4 communities, 12 grids, a worker per grid."""
    svc = services()
    with svc.db.transaction() as session:
        created = demo.load(session, password_hash=generate_password_hash(DEMO_PASSWORD),
                            now=svc.now())
    click.echo(f"demo data: {created} (staff passwords: {DEMO_PASSWORD})")


@main.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--area", "area_code", required=True, help="area code, e.g. 330199")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", help="display name (defaults to the username)")
@click.option("--phone")
@click.option("--department", help="for role=department: the department's name")
def create_user(username, role, area_code, password, name, phone, department):
    """Create a staff account (the first admin, a grid worker, ...)."""
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    svc = services()
    with svc.db.transaction() as session:
        area = area_by_code(session, area_code)
        if area is None:
            raise click.BadParameter(f"no area with code {area_code}", param_hint="--area")
        if session.scalar(select(Staff).where(Staff.username == username)) is not None:
            raise click.BadParameter(f"{username} already exists", param_hint="USERNAME")
        session.add(Staff(username=username, name=name or username, role=role, area=area,
                          phone=phone, department=department, created_at=svc.now(),
                          password_hash=generate_password_hash(password)))
    click.echo(f"created {role} {username} in {area.name} ({area.code})")


@main.command("bind-code")
@click.argument("username")
def bind_code(username):
    """Print a one-time code a staff member sends as "绑定 <code>" to link their WeChat."""
    from store.registry import BIND_CODE_LIFETIME, issue_bind_code
    svc = services()
    with svc.db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        if staff is None:
            raise click.BadParameter(f"no staff member {username}", param_hint="USERNAME")
        code = issue_bind_code(session, staff, svc.now())
    minutes = int(BIND_CODE_LIFETIME.total_seconds() // 60)
    click.echo(f"{staff.name}: send 绑定 {code} to the official account within {minutes} minutes")


@main.command("wechat-check")
def wechat_check():
    """Check the real account before go-live: token, templates, menu, callback (Chinese)."""
    from bot.wechat import check as account
    svc = services()
    findings = account.check(svc.settings, svc.transport)
    click.echo(account.report(findings))
    if not all(f.ok for f in findings):
        sys.exit(1)


@main.command("menu-sync")
def menu_sync():
    """Publish the account's menu (报事件 / 一键求助 / 我的) through WeChat's API."""
    import json
    from handlers.menu import MENU
    svc = services()
    if not svc.settings.uses_real_wechat:
        click.echo(json.dumps(MENU, ensure_ascii=False, indent=2))
        raise click.ClickException("WECHAT_APP_SECRET is not set: the menu above was not "
                                   "published")
    svc.transport.client.menu.create(MENU)
    click.echo("menu published")


@main.command("sign")
@click.argument("text", required=False)
@click.option("--openid", default=demo.DEMO_RESIDENT, show_default=True)
@click.option("--event", help="send an event instead of text: subscribe, SCAN, CLICK, ...")
@click.option("--key", help="EventKey, e.g. qrscene_grid:330199001001001 or grid:<code>")
@click.option("--url", default=None, help="defaults to http://127.0.0.1:$PORT/wechat")
def sign_request(text, openid, event, key, url):
    """Print a curl command that sends a correctly signed WeChat message to /wechat.

    In the account's configured mode: safe (AES) mode with an EncodingAESKey, else plain.
    """
    from bot.wechat.protocol import event_xml, signed_request, text_message_xml
    if not text and not event:
        raise click.UsageError("give a TEXT or --event")
    now = int(time.time())
    xml = (event_xml(openid, event, key, create_time=now) if event else
           text_message_xml(openid, text, msg_id=secrets.randbits(62), create_time=now))
    protocol = current_app.extensions["wechat_protocol"]
    args, body = signed_request(protocol, xml, encrypted=protocol.safe_mode, openid=openid,
                                timestamp=str(now), nonce=str(secrets.randbelow(10**9)))
    url = url or f"http://127.0.0.1:{services().settings.port}/wechat"
    click.echo(f"curl -s -X POST {shlex.quote(url + '?' + urlencode(args))} "
               f"-H 'Content-Type: text/xml' --data-binary {shlex.quote(body)}")


@main.command("open-reply")
def open_reply_command():
    """Read a passive reply on stdin and print its text (decrypting a safe-mode reply)."""
    from bot.wechat.protocol import open_reply
    click.echo(open_reply(current_app.extensions["wechat_protocol"], sys.stdin.read()) or
               "(success: no reply)")


@main.command("messages")
@click.option("--limit", default=10, show_default=True)
def messages(limit):
    """Show the latest messages the local transport recorded (no WeChat credentials set)."""
    with services().db.sessions() as session:
        rows = session.scalars(select(LocalDelivery).order_by(LocalDelivery.id.desc())
                               .limit(limit))
        for row in reversed(list(rows)):
            click.echo(f"--- to {row.to_openid} ({row.channel})\n{row.payload['text']}")
