"""`griddesk registry …` and `griddesk api-key …`: the grid and address registry, grid QR
posters and Open311 API keys from the command line."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from bot.services import services
from store import apikeys, areas_io
from store.models import Area

KINDS = tuple(areas_io.IMPORTERS)


@click.group("registry", cls=AppGroup)
def registry():
    """Areas, buildings, staff, grid polygons, service teams and their members; grid QR
    codes and posters."""


@registry.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_file(kind, path):
    """Import a CSV (areas, buildings, staff, teams, members) or GeoJSON (geojson: grid
    polygons) file.

    All or nothing: a file with a bad row is reported line by line and nothing of it is
    imported. Importing the same file again changes nothing. Order: areas, then geojson,
    buildings and staff; teams, then their members.
    """
    svc = services()
    started = time.perf_counter()
    try:
        with svc.db.transaction() as session, open(path, encoding="utf-8-sig",
                                                   newline="") as stream:
            importer = areas_io.IMPORTERS[kind]
            kwargs = {"now": svc.now()} if kind in areas_io.TIMED else {}
            report = importer(session, stream, path.name, **kwargs)
    except areas_io.ImportFailed as failure:
        raise click.ClickException(str(failure)) from None
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{path.name}: not UTF-8 text ({error.reason} at byte "
                                   f"{error.start}); save the file as UTF-8") from None
    click.echo(f"{report} ({time.perf_counter() - started:.1f} s)")


@registry.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--under", help="only the areas under this code")
def export_file(kind, path, under):
    """Write a file the importer reads back (same columns)."""
    with services().db.sessions() as session, open(path, "w", encoding="utf-8",
                                                   newline="") as stream:
        written = areas_io.EXPORTERS[kind](session, stream, under)
    click.echo(f"{kind}: {written} written to {path}")


@registry.command("posters")
@click.option("--under", default="", help="the grids under this area code (default: all)")
@click.option("--out", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="folder for the PNGs")
def posters(under, folder):
    """Print each grid's QR poster (公示牌) as <code>.png. With WeChat credentials the QR code
    is WeChat's permanent parametric code (made once per grid and kept)."""
    from bot.console import qr
    svc = services()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        qr.find_font(svc.settings.poster_font)
    except qr.PosterError as error:
        raise click.ClickException(str(error)) from None
    with svc.db.sessions() as session:
        codes = list(session.scalars(select(Area.code).where(
            Area.level == "grid", Area.code.startswith(under)).order_by(Area.code)))
    if not codes:
        raise click.ClickException(f"no grids under {under!r}")
    for code in codes:
        with svc.db.transaction() as session:  # each grid's WeChat QR URL is kept at once
            grid = session.scalar(select(Area).where(Area.code == code))
            (folder / f"{code}.png").write_bytes(qr.grid_poster(svc, session, grid))
    click.echo(f"{len(codes)} poster(s) written to {folder}")


@click.group("api-key", cls=AppGroup)
def api_key():
    """Open311 API keys."""


@api_key.command("create")
@click.argument("name")
@click.option("--area", "area_code", default="", help="a street, community or grid code: the "
              "key reads and files only there (default: the whole district)")
@click.option("--personal-data", is_flag=True, help="read names, phones, room numbers and "
              "exact points unmasked (default: masked like public reads)")
def create_key(name, area_code, personal_data):
    """Issue a key for a client; it is shown once, only its hash is kept."""
    svc = services()
    try:
        with svc.db.transaction() as session:
            area = None
            if area_code:
                area = session.scalar(select(Area).where(Area.code == area_code.strip()))
                if area is None:
                    raise click.BadParameter(f"no area {area_code!r}", param_hint="--area")
            _, key = apikeys.create(session, name, svc.now(), area=area,
                                    personal_data=personal_data)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="NAME") from None
    click.echo(key)


@api_key.command("list")
def list_keys():
    with services().db.sessions() as session:
        for row in apikeys.listing(session):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            used = f"last used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else \
                "never used"
            where = row.area.code if row.area else "district"
            data = "personal data" if row.personal_data else "masked"
            click.echo(f"{row.name}\t{row.prefix}…\t{state}\t{used}\t{where}\t{data}")


@api_key.command("revoke")
@click.argument("name")
def revoke_key(name):
    svc = services()
    try:
        with svc.db.transaction() as session:
            apikeys.revoke(session, name, svc.now())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="NAME") from None
    click.echo(f"revoked {name}")


def attach(group: click.Group) -> None:
    group.add_command(registry)
    group.add_command(api_key)
