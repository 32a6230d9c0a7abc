"""Where a matter is: the bound grid, a location, an address in the words, else the pool."""
from store.models import HeldMessage, Ticket

from tests.support import Chat, rows

CUIYUAN_1 = (30.2785, 120.1025)  # inside 翠苑第1网格's square in the demo district


def location_xml(openid, lat, lng, msg_id):
    return (f"<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[location]]>"
            f"</MsgType><Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y>"
            f"<Scale>15</Scale><Label><![CDATA[翠苑路]]></Label><MsgId>{msg_id}</MsgId></xml>")


def test_a_building_named_in_the_words_finds_its_grid(client, demo, svc):
    reply = Chat(client, "o_unbound").send("幸福小区5栋2单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    assert ticket.grid.name == "幸福里第2网格" and ticket.assignee.name == "王芳"
    assert ticket.address == "幸福小区5栋2单元"
    assert "网格员王芳" in reply and "已按您说的地点派给“幸福里第2网格”" in reply


def test_a_shared_location_routes_the_report_that_follows(client, demo, svc):
    resident = Chat(client, "o_walker")
    reply = resident.send_xml(location_xml("o_walker", *CUIYUAN_1, msg_id=31))
    assert reply.startswith("已收到您的位置（属于“翠苑第1网格”）")
    resident.send("这里的路灯坏了好几盏")
    [ticket] = rows(svc, Ticket)
    assert ticket.grid.name == "翠苑第1网格" and ticket.assignee.name == "赵磊"
    assert (round(ticket.lat, 4), round(ticket.lng, 4)) == CUIYUAN_1


def test_a_location_event_is_remembered_quietly(client, demo, svc):
    resident = Chat(client, "o_allows_location")
    xml = ("<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_allows_location]]>"
           "</FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[event]]>"
           f"</MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>{CUIYUAN_1[0]}</Latitude>"
           f"<Longitude>{CUIYUAN_1[1]}</Longitude><Precision>30</Precision></xml>")
    assert resident.send_xml(xml) is None
    resident.send("垃圾桶满了没人清运")
    assert rows(svc, Ticket)[0].grid.name == "翠苑第1网格"


def test_the_bound_grid_comes_first(chat, svc):
    chat.send("翠苑小区7栋门口垃圾堆放")  # the demo resident is bound to 幸福里第1网格
    assert rows(svc, Ticket)[0].grid.name == "幸福里第1网格"


def test_a_location_sent_during_a_report_joins_that_ticket(chat, svc):
    chat.send("楼道灯坏了")
    reply = chat.send_xml(location_xml(chat.openid, *CUIYUAN_1, msg_id=32))
    assert reply.startswith("已将位置加入工单")


def test_a_place_said_before_the_matter_routes_it_and_opens_no_ticket(client, demo, svc):
    """The reply to an unbound resident's report asks for the estate and building: said
    first, they are remembered, not opened as a ticket of their own."""
    newcomer = Chat(client, "o_newcomer")
    reply = newcomer.send("我住在幸福小区5栋2单元302")
    assert reply.startswith("好的，已记下您的地址（属于“幸福里第2网格”）") and not rows(svc, Ticket)
    newcomer.send("隔壁装修太吵了")
    [ticket] = rows(svc, Ticket)
    assert (ticket.grid.name, ticket.assignee.name, ticket.category) == (
        "幸福里第2网格", "王芳", "噪音扰民")
    [held] = rows(svc, HeldMessage)  # the place joined the ticket's thread
    assert (held.status, held.ticket_id) == ("opened", ticket.id)


def test_an_estate_of_several_grids_is_asked_for_its_building(client, demo, svc):
    newcomer = Chat(client, "o_newcomer")
    assert "请再告诉我们楼栋号" in newcomer.send("我是幸福小区的") and not rows(svc, Ticket)
    newcomer.send("3栋楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    assert (ticket.grid.name, ticket.assignee.name) == ("幸福里第1网格", "张伟")


def test_an_estate_of_several_grids_in_the_report_asks_for_the_building_only(client, demo, svc):
    """翠苑小区 was named: the resident is not asked for the estate again, and "5栋" places it."""
    newcomer = Chat(client, "o_newcomer")
    reply = newcomer.send("翠苑小区门口的路灯坏了")
    assert "“翠苑小区”分属几个网格，请再回复您的楼栋号（例如“翠苑小区3栋”）" in reply
    assert "告诉我们您所在的小区" not in reply
    [ticket] = rows(svc, Ticket)
    assert ticket.grid is None and ticket.address == "翠苑小区"
    assert newcomer.send("5栋").startswith(
        f"谢谢！已按您说的地点把工单 {ticket.number} 派往“翠苑第2网格”，黄敏负责")


def test_a_place_the_registry_does_not_know_is_kept_on_the_ticket(client, demo, svc):
    newcomer = Chat(client, "o_newcomer")
    newcomer.send("我住阳光花园5栋")
    reply = newcomer.send("门口垃圾没人收")
    [ticket] = rows(svc, Ticket)
    assert ticket.grid is None and ticket.address == "阳光花园5栋"
    assert "地址“阳光花园5栋”已记下" in reply and "告诉我们您所在的小区" not in reply


def test_an_estate_the_registry_does_not_know_is_not_said_to_span_grids(client, demo, svc):
    """Only the registry's estates are asked for their building: 阳光花园 is for a person."""
    newcomer = Chat(client, "o_newcomer")
    newcomer.send("我住阳光花园")
    reply = newcomer.send("门口垃圾没人收")
    assert "地址“阳光花园”已记下，工作人员会派给对应的网格员" in reply and "分属几个网格" not in reply


def test_a_place_the_registry_does_not_know_said_after_the_report_is_kept_on_it(
        client, demo, svc):
    newcomer = Chat(client, "o_newcomer")
    assert "告诉我们您所在的小区" in newcomer.send("小区停车位被外来车占了")
    reply = newcomer.send("我住阳光小区2号楼")
    assert reply.startswith("谢谢！已在工单") and "记下地址“阳光小区2号楼”" in reply
    [ticket] = rows(svc, Ticket)
    assert ticket.grid is None and ticket.address == "阳光小区2号楼"
    assert rows(svc, HeldMessage) == []  # not asked "what happened" nor kept as a new matter
    assert not newcomer.send("我在公司里").startswith("谢谢！已在工单")


def test_words_that_only_sound_like_a_place_are_no_place(client, demo, svc):
    newcomer = Chat(client, "o_newcomer")
    assert not newcomer.send("我知道了").startswith("好的，已记下")
    assert not newcomer.send("我在公司里").startswith("好的，已记下")
