"""Outbound WeChat: the real API through wechatpy, or a local record for the simulator."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from wechatpy import WeChatClient
from wechatpy.session.redisstorage import RedisStorage

from store import Database
from store.models import LocalDelivery, Outbox


class LocalTransport:
    """No WeChat credentials: record each message where the console and simulator show it."""

    name = "local"

    def __init__(self, db: Database):
        self.db = db

    def send(self, row: Outbox) -> None:
        try:
            with self.db.transaction() as session:
                session.add(LocalDelivery(outbox_id=row.id, to_openid=row.to_openid,
                                          channel=row.channel, payload=row.payload))
        except IntegrityError:
            pass  # recorded by an earlier try whose acknowledgement was lost


class WeChatTransport:
    """The real API. The access token lives in Redis so every process shares one."""

    name = "wechat"

    def __init__(self, settings, connection):
        self.template_ids = {"template": settings.wechat_template_ticket}
        self.client = WeChatClient(
            settings.wechat_app_id, settings.wechat_app_secret,
            session=RedisStorage(connection, prefix="griddesk:wechatpy"), timeout=5)
        self.client.API_BASE_URL = settings.wechat_api_base_url

    def send(self, row: Outbox) -> None:
        payload = row.payload
        template_id = self.template_ids.get(row.channel)
        if row.channel == "template" and template_id:
            data = {"first": {"value": payload["title"]},
                    **{f"keyword{n}": {"value": value}
                       for n, (_, value) in enumerate(payload["fields"], start=1)},
                    "remark": {"value": payload["remark"]}}
            self.client.message.send_template(row.to_openid, template_id, data)
        else:
            self.client.message.send_text(row.to_openid, payload["text"])
