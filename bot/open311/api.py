"""Open311 GeoReport v2: other systems read and file tickets (工单) through a standard API.

    GET  /open311/v2/discovery.json
    GET  /open311/v2/services.{json,xml}                 kinds × categories, grouped by kind
    GET  /open311/v2/requests.{json,xml}                 service_request_id, service_code,
                                                         start_date, end_date, status
    POST /open311/v2/requests.{json,xml}                 api_key + service_code + a location
    GET  /open311/v2/requests/<id>.{json,xml}
    GET  /open311/v2/servicerequestupdates.{json,xml}    start_date, end_date
    GET  /open311/v2/openapi.json                        the OpenAPI document of all of these

Reads need an api_key unless OPEN311_READ_NEEDS_KEY=0; without one they are masked
(bot.open311.masking). A key reads and files only in its area (store.apikeys: a street,
community or grid, or the whole district), masked too unless it was given personal data.
Lists are paged (page, page_size).

A service request is a ticket; its id is the ticket number. A POST opens the ticket through
store.tickets.open_ticket, located by address_id (a grid, building or unit code), lat/long
or address_string (store.locate), in one transaction with its timeline and outbox rows.
Errors are the spec's list: [{"code": 400, "description": "..."}] with 400, 403 or 404.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from flask import Blueprint, Flask, Response, jsonify, request
from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import selectinload

from bot.open311.masking import mask_text, round_coordinate, xml_safe
from bot.open311.params import (MAX_DESCRIPTION, ApiError, coordinate, date, listed, page,
                                 values_of)
from bot.services import services
from store import apikeys
from store.locate import Located, locate
from store.models import Area, Building, BuildingUnit, Ticket, TicketEvent
from store.tickets import Triage, TicketError, open_ticket, record_event
from store.vocab import CHINA, KIND_NAMES, STATUS_NAMES

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
CLOSED = ("resolved", "closed", "cancelled")
CLOSING_ACTIONS = {"resolved", "closed", "cancelled", "rated"}
KIND_ORDER = ("complaint", "consultation", "help", "suggestion", "praise", "other")
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000  # ticket numbers asked for at once
ACTION_NAMES = {"created": "已受理", "assigned": "已分派网格员", "accepted": "已接单",
                "replied": "已回复", "resolved": "已办结", "closed": "已关闭",
                "reopened": "重新办理", "cancelled": "已取消", "escalated": "已上报",
                "rated": "已评价"}


# --- the service list ----------------------------------------------------------------------

@functools.cache
def categories() -> tuple[tuple[str, str, str], ...]:
    """(category, domain, department): the first three columns of the NLP lexicon's
    nlp/data/categories.tsv, plus 其他."""
    import nlp
    lexicon = Path(nlp.__file__).parent / "data" / "categories.tsv"
    rows = []
    for line in lexicon.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("\t")]
        if line.strip() and not line.startswith("#") and len(cells) >= 3:
            rows.append(tuple(cells[:3]))
    if not any(category == "其他" for category, _, _ in rows):
        rows.append(("其他", "其他", "街道/社区"))
    return tuple(rows)


def service_code(kind: str, category: str) -> str:
    return f"{kind}:{category}"


@functools.cache
def service_list() -> list[dict]:
    return [{"service_code": service_code(kind, category),
             "service_name": f"{KIND_NAMES[kind]}·{category}",
             "description": f"{KIND_NAMES[kind]}：{category}（{domain}，{department}）",
             "metadata": False, "type": "realtime",
             "keywords": ",".join(dict.fromkeys((KIND_NAMES[kind], category, domain))),
             "group": KIND_NAMES[kind]}
            for kind in KIND_ORDER for category, domain, department in categories()]


def triage_for(code: str) -> Triage:
    kind, _, category = code.partition(":")
    for name, domain, department in categories():
        if kind in KIND_NAMES and name == category:
            return Triage(kind=kind, domain=domain, category=category, department=department)
    raise ApiError(400, f"service_code {code!r} is not one of services.json")


# --- rendering -----------------------------------------------------------------------------

def w3c(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA).isoformat(timespec="seconds") if moment else None


def as_request(ticket: Ticket, full: bool = False) -> dict:
    """A ticket as a service request; without a key (`full` false) personal data is masked."""
    show = (lambda text: text) if full else mask_text
    events = [e for e in ticket.events if e.public]
    notes = next((e.body for e in reversed(events) if e.actor == "staff" and e.body), None)
    if ticket.building is not None:
        address_id = ticket.building.code
    else:
        address_id = ticket.grid.code if ticket.grid else None
    if ticket.tier == "department" and ticket.department:
        agency = ticket.department
    else:
        agency = ticket.area.name
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in CLOSED else "open",
        "status_notes": STATUS_NAMES.get(ticket.status, ticket.status)
        + (f"：{show(notes)}" if notes else ""),
        "service_name": f"{KIND_NAMES.get(ticket.kind, ticket.kind)}·{ticket.category}",
        "service_code": service_code(ticket.kind, ticket.category),
        "description": show(ticket.description),
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": w3c(ticket.created_at),
        "updated_datetime": w3c(max([ticket.created_at, *(e.at for e in ticket.events)])),
        "expected_datetime": w3c(ticket.resolve_by),
        "address": show(ticket.address) or (ticket.grid.name if ticket.grid else None),
        "address_id": address_id,
        "zipcode": None,
        "lat": ticket.lat if full else round_coordinate(ticket.lat),
        "long": ticket.lng if full else round_coordinate(ticket.lng),
        "media_url": None,
    }


def _xml(value, tag: str) -> str:
    if isinstance(value, list):
        item = {"services": "service", "service_requests": "request", "errors": "error",
                "service_requests_updates": "request_update"}.get(tag, "item")
        return f"<{tag}>" + "".join(_xml(v, item) for v in value) + f"</{tag}>"
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml(v, k) for k, v in value.items()) + f"</{tag}>"
    if value is None:
        return f"<{tag}/>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(xml_safe(str(value)))}</{tag}>"


def render(data, fmt: str, root: str, status: int = 200) -> Response:
    if fmt == "xml":
        body = '<?xml version="1.0" encoding="utf-8"?>' + _xml(data, root)
        return Response(body, status=status, mimetype="text/xml")
    response = jsonify(data)
    response.status_code = status
    return response


def _format(fmt: str) -> str:
    if fmt not in ("json", "xml"):
        raise ApiError(404, f"format .{fmt} is not offered: use .json or .xml")
    return fmt


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render([{"code": error.code, "description": error.description}], fmt, "errors",
                  error.code)


# --- reading -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reader:
    """Who reads: `full` shows personal data; `where` keeps the tickets of the key's area."""
    full: bool
    where: ColumnElement
    area: str | None = None  # the key's area's name, for a refusal


def _reader(session, values) -> Reader:
    """A valid api_key reads the tickets of its area, masked unless the key has the right to
    personal data; without one, reads are refused (the default, OPEN311_READ_NEEDS_KEY=1) or,
    when an operator opened them, masked."""
    key = apikeys.check(session, values.get("api_key"), services().now()) \
        if values.get("api_key") else None
    if key is None:
        if services().settings.open311_read_needs_key:
            raise ApiError(403, "api_key missing or not valid")
        return Reader(full=False, where=true())
    return Reader(full=key.personal_data, where=apikeys.in_area(session, key),
                  area=key.area.name if key.area else None)


def _with_everything(query):
    return query.options(selectinload(Ticket.events), selectinload(Ticket.grid),
                         selectinload(Ticket.area), selectinload(Ticket.building))


@bp.get("/discovery.json")
def discovery():
    base = request.url_root.rstrip("/") + bp.url_prefix
    return jsonify({
        "changeset": "2026-11-24T00:00:00+08:00",
        "contact": "GridDesk 网格服务台",
        "key_service": "API keys are issued by the district, street or community (console 接口密钥) or the operator (griddesk api-key create NAME --area CODE), each for an area",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                       "url": base, "changeset": "2026-11-24T00:00:00+08:00",
                       "type": "production", "formats": ["application/json", "text/xml"]}]})


@bp.get("/services.<fmt>")
def services_list(fmt: str):
    return render(service_list(), _format(fmt), "services")


@bp.get("/requests.<fmt>")
def requests_list(fmt: str):
    fmt, values = _format(fmt), values_of()
    with services().db.transaction() as session:
        reader = _reader(session, values)
        limit, offset = page(values)
        query = _with_everything(select(Ticket)).where(reader.where)
        numbers = listed(values, "service_request_id")
        if numbers:
            query = query.where(Ticket.number.in_(numbers[:MAX_RESULTS]))
        else:
            codes = listed(values, "service_code")
            if codes:
                pairs = [code.partition(":") for code in codes]
                query = query.where(or_(*(and_(Ticket.kind == kind, Ticket.category == cat)
                                          for kind, _, cat in pairs)))
            start, end = date(values, "start_date"), date(values, "end_date")
            if start and end and start > end:
                raise ApiError(400, "start_date is after end_date")
            if start is None and end is None:
                start = services().now() - DEFAULT_WINDOW
            if start:
                query = query.where(Ticket.created_at >= start)
            if end:
                query = query.where(Ticket.created_at <= end)
            statuses = listed(values, "status")
            wrong = [s for s in statuses if s not in ("open", "closed")]
            if wrong:
                raise ApiError(400, f"status {wrong[0]!r} is not open or closed")
            if set(statuses) == {"open"}:
                query = query.where(Ticket.status.not_in(CLOSED))
            elif set(statuses) == {"closed"}:
                query = query.where(Ticket.status.in_(CLOSED))
        tickets = session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
                                  .limit(limit).offset(offset)).all()
        data = [as_request(ticket, reader.full) for ticket in tickets]
    return render(data, fmt, "service_requests")


@bp.get("/requests/<number>.<fmt>")
def request_one(number: str, fmt: str):
    fmt, values = _format(fmt), values_of()
    with services().db.transaction() as session:
        reader = _reader(session, values)
        ticket = session.scalar(_with_everything(select(Ticket))
                                .where(Ticket.number == number, reader.where))
        if ticket is None:  # outside the key's area is the same 404: no ticket is confirmed
            raise ApiError(404, f"service request {number} not found" + (
                f" in this api_key's area ({reader.area})" if reader.area else ""))
        data = [as_request(ticket, reader.full)]
    return render(data, fmt, "service_requests")


@bp.get("/servicerequestupdates.<fmt>")
def updates(fmt: str):
    fmt, values = _format(fmt), values_of()
    with services().db.transaction() as session:
        reader = _reader(session, values)
        limit, offset = page(values)
        start, end = date(values, "start_date"), date(values, "end_date")
        if start and end and start > end:
            raise ApiError(400, "start_date is after end_date")
        if start is None:
            start = (end or services().now()) - timedelta(days=1)
        # Residents' own words are never an update: only staff and system steps are.
        query = (select(TicketEvent, Ticket.number).join(Ticket)
                 .where(TicketEvent.public.is_(True), TicketEvent.actor != "resident",
                        TicketEvent.at >= start, reader.where))
        if end:
            query = query.where(TicketEvent.at <= end)
        rows = session.execute(query.order_by(TicketEvent.at, TicketEvent.id)
                               .limit(limit).offset(offset)).all()
        show = (lambda text: text) if reader.full else mask_text
        data = [{"update_id": str(event.id), "service_request_id": number,
                 "status": "closed" if event.action in CLOSING_ACTIONS else "open",
                 "updated_datetime": w3c(event.at),
                 "description": show(event.body) if event.actor == "staff" and event.body
                 else ACTION_NAMES.get(event.action, event.action),
                 "media_url": None}
                for event, number in rows]
    return render(data, fmt, "service_requests_updates")


# --- filing --------------------------------------------------------------------------------

def _by_address_id(session, address_id: str) -> Located:
    """A grid (15 digits), building (18) or unit (20) code."""
    unit = session.scalar(select(BuildingUnit).where(BuildingUnit.code == address_id))
    building = unit.building if unit else session.scalar(
        select(Building).where(Building.code == address_id))
    if building is not None:
        return Located(building.grid, "building", building, unit)
    grid = session.scalar(select(Area).where(Area.code == address_id, Area.level == "grid"))
    if grid is None:
        raise ApiError(400, f"address_id {address_id!r} is no grid, building or unit code")
    return Located(grid, "bound")


def _refuse_outside(session, key, located: Located) -> None:
    """A key files only in its area: a place elsewhere, or one no grid of it holds, is a 403
    (the ticket would reach staff the client has no business with)."""
    ids = apikeys.area_ids(session, key)
    if ids is None:
        return
    if located.grid is None:
        raise ApiError(403, f"the location could not be placed in a grid of this api_key's "
                            f"area ({key.area.name}): give address_id or lat/long inside it")
    if located.grid.id not in ids:
        raise ApiError(403, f"the location is in {located.grid.name}, outside this api_key's "
                            f"area ({key.area.name})")


@bp.post("/requests.<fmt>")
def file_request(fmt: str):
    fmt, values = _format(fmt), values_of()
    svc = services()
    now = svc.now()
    with svc.changing() as session:
        key = apikeys.check(session, values.get("api_key"), now)
        if key is None:
            raise ApiError(403, "api_key missing or not valid")
        code = values.get("service_code", "").strip()
        if not code:
            raise ApiError(400, "service_code is required")
        triage = triage_for(code)
        lat, lng = coordinate(values, "lat", 90), coordinate(values, "long", 180)
        if (lat is None) != (lng is None):
            raise ApiError(400, "give both lat and long, or neither")
        address_id = values.get("address_id", "").strip()
        address = values.get("address_string", "").strip()[:255]
        if lat is None and not address_id and not address:
            raise ApiError(400, "a location is required: lat and long, address_string or "
                                "address_id")
        description = values.get("description", "").strip()
        if len(description) > MAX_DESCRIPTION:
            raise ApiError(400, f"description is longer than {MAX_DESCRIPTION} characters")
        point = (lat, lng) if lat is not None else None
        if address_id:
            located = _by_address_id(session, address_id)
        else:
            located = locate(session, point=point, text=" ".join(filter(None, (
                address, description))), nearest_within_m=svc.settings.locate_nearest_meters)
        _refuse_outside(session, key, located)
        try:
            ticket = open_ticket(session, resident=None,
                                 description=description or triage.category, triage=triage,
                                 now=now, policy=svc.settings.sla_policy, channel="open311",
                                 located=located, point=point, address=address or None)
        except TicketError as error:
            raise ApiError(400, str(error)) from None
        contact = {name: values[name][:200] for name in (
            "email", "phone", "first_name", "last_name", "device_id", "account_id",
            "media_url") if values.get(name)}
        record_event(session, ticket, "open311_request", now, public=False,
                     client=key.name, located_by=located.how, **contact)
        number = ticket.number
        where = located.grid.name if located.grid else None
    notice = (f"已受理，工单号 {number}，由{where}网格员处理" if where else
              f"已受理，工单号 {number}，地址待核实后分派网格")
    return render([{"service_request_id": number, "service_notice": notice,
                    "account_id": None}], fmt, "service_requests", 201)


# --- the OpenAPI document ------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    from bot.open311.spec import document
    return jsonify(document(request.url_root.rstrip("/") + bp.url_prefix))


def init_app(app: Flask) -> None:
    from bot.console import csrf
    csrf.exempt(bp)  # an API: clients authenticate with api_key, not a session
    app.register_blueprint(bp)
