"""/metrics: what an operator's Prometheus scrapes after residents have written."""
from prometheus_client.parser import text_string_to_metric_families

from store.models import Ticket
from tests.support import rows


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_complaint_shows_in_the_counters_and_the_open_tickets(client, chat, worker, svc):
    before = scrape(client)
    chat.send("3栋楼道灯坏了三天了，晚上很黑")
    worker()
    after = scrape(client)
    [ticket] = rows(svc, Ticket)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("griddesk_messages_total", type="text", outcome="handled") == 1
    assert grew("griddesk_tickets_opened_total", kind=ticket.kind, urgency="normal") == 1
    assert grew("griddesk_webhook_seconds_count") == 1
    assert grew("griddesk_handling_seconds_count") == 1
    assert grew("griddesk_deliveries_total", channel="template", result="sent") >= 1
    assert grew("griddesk_delivery_delay_seconds_count") >= 1
    assert value(after, "griddesk_open_tickets", status=ticket.status, tier="grid") == 1
    assert value(after, "griddesk_undelivered_messages", status="pending") == 0
    assert value(after, "griddesk_queue_jobs") == 0
    assert value(after, "griddesk_held_messages") == 0


def test_a_message_nobody_could_place_waits_in_the_held_gauge(client, chat):
    chat.send("嗯嗯")
    assert value(scrape(client), "griddesk_held_messages") == 1


def test_a_retried_callback_counts_as_a_duplicate(client, chat):
    before = scrape(client)
    chat.send("小区门口的垃圾两天没人清运了", msg_id=777)
    chat.send("小区门口的垃圾两天没人清运了", msg_id=777)
    after = scrape(client)
    key = ("griddesk_messages_total", (("outcome", "duplicate"), ("type", "text")))
    assert after.get(key, 0) - before.get(key, 0) == 1


def test_metrics_are_not_public(make_app):
    app = make_app(metrics_token="s3cret")
    client = app.test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    # Without a token only this machine may read them.
    open_app = make_app()
    remote = open_app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
    local = open_app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200


def test_a_scrape_during_a_redis_outage_still_reports_the_tickets(make_app, demo):
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "griddesk_overdue_tickets" in body and "griddesk_queue_jobs" not in body


def test_metrics_behind_a_proxy_nobody_declared_are_refused(make_app):
    """nginx on this machine forwards the world's requests from 127.0.0.1: with
    TRUSTED_PROXIES unset, a request that came through it carries X-Forwarded-For (or
    X-Real-IP / Forwarded) and is not this machine's own scrape."""
    client = make_app().test_client()
    local = {"REMOTE_ADDR": "127.0.0.1"}
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"X-Real-IP": "203.0.113.9"},
                   {"Forwarded": "for=203.0.113.9"}, {"X-Forwarded-For": "127.0.0.1"}):
        refused = client.get("/metrics", headers=header, environ_base=local)
        assert refused.status_code == 403, header
        assert "METRICS_TOKEN" in refused.get_data(as_text=True)
    assert client.get("/metrics", environ_base=local).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_metrics_with_a_token_behind_a_proxy(make_app):
    client = make_app(metrics_token="s3cret").test_client()
    through = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9",
                                              "Authorization": "Bearer s3cret"},
                         environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert through.status_code == 200


def test_metrics_through_a_trusted_proxy_are_the_clients(make_app):
    client = make_app(trusted_proxies="127.0.0.1").test_client()
    remote = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"},
                        environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert remote.status_code == 403
    spoofed = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"},
                         environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert spoofed.status_code == 403
