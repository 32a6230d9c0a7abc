"""/metrics for Prometheus, and a log line per committed ticket change: what an operator
watches, from every process of a deployment.

Events (messages, tickets opened, escalations, deliveries, latencies) are counted where they
happen, in the web and worker processes; under `make run` prometheus-client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR) adds them up across gunicorn workers and delivery workers. States
(open tickets by status and tier, overdue clocks, the queue, failed jobs, undelivered messages)
are read from the database and Redis when /metrics is scraped, so every web process reports
the same truth. Not public: METRICS_TOKEN as a bearer token, or requests from this machine.
"""
from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os
import time
from dataclasses import dataclass

from flask import Flask, Response, abort, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter,
                               Histogram, generate_latest, multiprocess)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from store.inserts import CHANGES_NOTED as NOTED, note_written  # counted once committed
from store.models import HeldMessage, Outbox, Ticket, TicketEvent
from store.registry import OPEN_STATES

FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded", "X-Forwarded-Host")
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
DELAYS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)
log = logging.getLogger("griddesk.changes")


@dataclass(frozen=True)
class Instruments:
    messages: Counter
    webhook_seconds: Histogram
    handling_seconds: Histogram
    tickets_opened: Counter
    escalations: Counter
    sla_breaches: Counter
    deliveries: Counter
    delivery_delay: Histogram


@functools.cache
def instruments() -> Instruments:
    """The process's counters, made on first use (one set per process, whatever the apps)."""
    return Instruments(
        messages=Counter("griddesk_messages", "Messages received from WeChat, by type and "
                         "outcome", ["type", "outcome"]),
        webhook_seconds=Histogram("griddesk_webhook_seconds", "Time to answer a WeChat "
                                  "callback", buckets=SECONDS),
        handling_seconds=Histogram("griddesk_handling_seconds", "Time to handle one stored "
                                   "message (understand, locate, ticket, commit)",
                                   buckets=SECONDS),
        tickets_opened=Counter("griddesk_tickets_opened", "Tickets opened, by kind and urgency",
                               ["kind", "urgency"]),
        escalations=Counter("griddesk_escalations", "Tickets moved up the ladder or to a "
                            "department, by the tier that holds them now", ["tier"]),
        sla_breaches=Counter("griddesk_sla_breaches", "Clocks run out (accept, reply, resolve), "
                             "as found by the SLA sweep"),
        deliveries=Counter("griddesk_deliveries", "Delivery attempts of owed messages, by "
                           "channel and result", ["channel", "result"]),
        delivery_delay=Histogram("griddesk_delivery_delay_seconds", "From owing a message to "
                                 "WeChat accepting it", buckets=DELAYS))


def count_message(msg_type: str, outcome: str) -> None:
    instruments().messages.labels(msg_type[:32], outcome).inc()


def count_delivery(channel: str, result: str, delay_seconds: float | None = None) -> None:
    instruments().deliveries.labels(channel, result).inc()
    if delay_seconds is not None:
        instruments().delivery_delay.observe(max(0.0, delay_seconds))


# --- tickets: counted (and logged) from the ORM's bookkeeping once their transaction commits --

def _note_ticket_changes(session: Session, flush_context) -> None:
    new = list(session.new)
    noted = note_written(session, [obj for obj in new if isinstance(obj, Ticket)],
                         [obj for obj in new if isinstance(obj, TicketEvent)])
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            tier = _tier_change(obj)
            if tier:
                noted["escalated"].append(tier)


def _tier_change(ticket: Ticket) -> str | None:
    changed = inspect(ticket).attrs.tier.history
    if changed.added and changed.deleted and changed.added[0] != changed.deleted[0]:
        return changed.added[0]
    return None


def _count_committed(session: Session) -> None:
    noted = session.info.pop(NOTED, None)
    if not noted:
        return
    measures = instruments()
    for kind, urgency in noted["opened"]:
        measures.tickets_opened.labels(kind, urgency).inc()
    for tier in noted["escalated"]:
        measures.escalations.labels(tier).inc()
    for change in noted["events"]:  # ids and actions only: no resident's words, no names
        log.info("ticket %s: %s by %s", change["ticket_id"], change["action"], change["actor"],
                 extra={"event": "ticket_change", **change})


def _forget(session: Session) -> None:
    session.info.pop(NOTED, None)


@functools.cache
def _listen_to_sessions() -> None:
    event.listen(Session, "after_flush", _note_ticket_changes)
    event.listen(Session, "after_commit", _count_committed)
    event.listen(Session, "after_soft_rollback", lambda session, previous: _forget(session))


# --- states read at scrape time ---------------------------------------------------------------

class StateCollector:
    """Open tickets by status and tier, overdue clocks, the delivery queue and its failures."""

    def __init__(self, svc):
        self.svc = svc

    def collect(self):
        # Each source on its own: a scrape during a Redis or database outage still reports
        # what it can (and the outage shows as gauges gone missing, and in the log).
        for source in (self._tickets, self._queue):
            try:
                yield from source()
            except Exception as error:
                log.warning("metrics: %s unavailable: %s", source.__name__.strip("_"), error)

    def _tickets(self):
        now = self.svc.now()
        open_tickets = GaugeMetricFamily("griddesk_open_tickets", "Open tickets by status and "
                                         "tier", labels=["status", "tier"])
        overdue = GaugeMetricFamily("griddesk_overdue_tickets", "Open tickets past a clock",
                                    labels=["clock"])
        undelivered = GaugeMetricFamily("griddesk_undelivered_messages", "Owed messages not "
                                        "sent yet, by status", labels=["status"])
        with self.svc.db.sessions() as session:
            for status, tier, n in session.execute(
                    select(Ticket.status, Ticket.tier, func.count())
                    .where(Ticket.status.in_(OPEN_STATES)).group_by(Ticket.status, Ticket.tier)):
                open_tickets.add_metric([status, tier], n)
            for clock, column in (("accept", Ticket.accept_by), ("resolve", Ticket.resolve_by)):
                states = ("new", "assigned") if clock == "accept" else OPEN_STATES
                overdue.add_metric([clock], session.scalar(
                    select(func.count()).where(Ticket.status.in_(states), column < now)))
            for status, n in session.execute(
                    select(Outbox.status, func.count())
                    .where(Outbox.status.in_(("pending", "sending", "failed")))
                    .group_by(Outbox.status)):
                undelivered.add_metric([status], n)
            held = session.scalar(select(func.count()).where(HeldMessage.status == "waiting"))
        return [open_tickets, overdue, undelivered,
                GaugeMetricFamily("griddesk_held_messages", "Residents' messages waiting for "
                                  "a person (未受理留言)", value=held)]

    def _queue(self):
        from rq.registry import FailedJobRegistry
        queue = self.svc.queue
        return [GaugeMetricFamily("griddesk_queue_jobs", "Jobs waiting in the delivery queue",
                                  value=len(queue)),
                GaugeMetricFamily("griddesk_failed_jobs", "Jobs RQ gave up on (rq info)",
                                  value=FailedJobRegistry(queue=queue).count)]


# --- the endpoint ---------------------------------------------------------------------------

def _from_this_machine() -> bool:
    """A loopback peer that forwards nobody: a reverse proxy on this machine (nginx with
    TRUSTED_PROXIES unset) also connects from 127.0.0.1, but says whom it forwards."""
    if any(request.headers.get(name) for name in FORWARDING_HEADERS):
        return False
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    mapped = getattr(peer, "ipv4_mapped", None)
    return (mapped or peer).is_loopback


def _allowed(token: str) -> bool:
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return _from_this_machine()


def init_app(app: Flask, svc) -> None:
    _listen_to_sessions()
    state = CollectorRegistry()  # collected at scrape time only
    state.register(StateCollector(svc))
    token = svc.settings.metrics_token

    @app.get("/metrics")
    def metrics():
        if not _allowed(token):
            abort(403, description="/metrics 仅对本机（不经代理）或携带 METRICS_TOKEN 的请求开放")
        instruments()  # so a fresh process shows its counters at zero
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            live = CollectorRegistry()
            multiprocess.MultiProcessCollector(live)
        else:
            live = REGISTRY
        return Response(generate_latest(live) + generate_latest(state),
                        mimetype=CONTENT_TYPE_LATEST)

    @app.before_request
    def start_clock():
        if request.endpoint == "webhook.receive":
            g.metrics_started = time.perf_counter()

    @app.after_request
    def stop_clock(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            instruments().webhook_seconds.observe(time.perf_counter() - started)
        return response

