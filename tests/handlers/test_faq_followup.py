"""A short question right after an FAQ answer continues it: answered from the same entry when
it clearly does, else a person answers it (未受理留言, never a grid worker's ticket, never lost)."""
from nlp import faq_answer
from store.models import HeldMessage, Ticket

from tests.bot.console.test_console import login
from tests.support import count, rows


def test_saturday_after_office_hours_is_answered_from_office_hours(chat, svc):
    hours = faq_answer("office_hours")
    assert chat.send("社区几点上班") == hours
    assert chat.send("那周六上班吗") == hours  # the answer says which windows open on Saturday
    assert count(svc, Ticket) == 0 and count(svc, HeldMessage) == 0


def test_a_residence_permit_conversation_goes_on_from_the_same_entry(chat, svc):
    permit = faq_answer("residence_permit")
    assert chat.send("居住证怎么办理") == permit
    assert chat.send("要带什么材料") == permit
    assert chat.send("多久能拿到？") == permit
    assert chat.send("社保怎么交") == faq_answer("social_insurance")
    assert chat.send("那居住证呢") == permit  # back to the other entry, by its name
    assert count(svc, Ticket) == 0 and count(svc, HeldMessage) == 0


def test_a_follow_up_the_answer_does_not_cover_waits_for_a_person(chat, svc, client):
    chat.send("疫苗去哪里打")
    reply = chat.send("那周日呢")
    assert "转给工作人员" in reply and "尽快答复" in reply
    [held] = rows(svc, HeldMessage)
    assert (held.text, held.status, held.attachment["follows"]) == (
        "那周日呢", "waiting", "疫苗去哪里打")
    assert count(svc, Ticket) == 0  # nobody sent out for a question
    chat.send("3栋楼道灯坏了")  # a report next: the question is not its news
    [held] = rows(svc, HeldMessage)
    assert held.status == "waiting" and held.ticket_id is None
    login(client, "worker01")
    page = client.get("/console/held").get_data(as_text=True)
    assert "那周日呢" in page and "接着问：疫苗去哪里打" in page


def test_a_follow_up_asking_nothing_the_answer_covers_goes_to_a_person(chat, svc):
    chat.send("居住证怎么办理")
    assert "转给工作人员" in chat.send("那周六能办吗")  # the answer says nothing of Saturdays
    [held] = rows(svc, HeldMessage)
    assert held.attachment["follows"] == "居住证怎么办理" and count(svc, Ticket) == 0


def test_a_matter_after_an_faq_answer_is_still_a_report(chat, svc):
    chat.send("社区几点上班")
    assert chat.send("楼道灯坏了怎么办").startswith("已受理，工单号")


def test_a_follow_up_does_not_join_an_open_ticket(chat, svc, clock):
    chat.send("3栋楼道灯坏了")
    clock.at(minutes=5)
    chat.send("居住证怎么办理")
    assert chat.send("要带什么材料") == faq_answer("residence_permit")
    [lamp] = rows(svc, Ticket)
    assert not [e for e in lamp.events if e.action == "resident_message"]


def test_half_an_hour_later_it_is_a_new_conversation(chat, svc, clock):
    chat.send("社区几点上班")
    clock.at(minutes=45)
    assert chat.send("那周六上班吗") != faq_answer("office_hours")
    [held] = rows(svc, HeldMessage)
    assert "follows" not in held.attachment and count(svc, Ticket) == 0


def test_a_person_asked_for_after_a_held_follow_up_gets_the_question(chat, svc):
    chat.send("疫苗去哪里打")
    chat.send("那周日呢")
    assert chat.send("转人工").startswith("已受理，工单号")
    [ticket] = rows(svc, Ticket)
    assert ticket.description == "疫苗去哪里打"
    [held] = rows(svc, HeldMessage)  # the follow-up is the ticket's: nobody answers it twice
    assert (held.status, held.ticket_id) == ("opened", ticket.id)
    assert [e.body for e in ticket.events if e.action == "resident_message"] == ["那周日呢"]


def test_thanks_for_an_answer_is_welcomed_and_kept_for_nobody(chat, svc):
    chat.send("居住证怎么办理")
    assert chat.send("好的 谢谢") == "不客气！还有别的事，直接发消息告诉我们（什么事、在哪里）。"
    assert rows(svc, HeldMessage) == [] and rows(svc, Ticket) == []
