"""A resident with a ticket in hand: ratings, and follow-ups that join the open ticket."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import and_, or_, select

from handlers import replies
from handlers.base import Handler
from handlers.context import FOLLOW_UP_WINDOW, POINT_FRESH_FOR, Context, Reply
from handlers.held import keep_for_person, settle_openers
from handlers.matters import matter_after
from handlers.places import place_of
from handlers.words import announces_matter, bare, is_small_talk, message_text
from nlp import names_topic
from store import held, ladder, ratings, tickets
from store.locate import LatLng, locate, locate_point, locate_text
from store.models import Ticket, TicketEvent
from store.registry import OPEN_STATES, TO_ACCEPT

# "5", "5分 很及时", "五分", "给4星": a score (a Chinese numeral only with 分 or 星: "一分钱" is none).
# A bare digit before a measure word is a place or a count, a new matter: "3栋楼道灯坏了", "2单元".
MEASURE = "栋号楼单层室户幢座期区组排门路街巷弄个天年月日点次块元岁人位辆家只条根盏台处米公里斤"
SCORE = re.compile(r"^\s*(?:我?(?:给|打|评)(?:个|了)?)?\s*(?:([1-5１-５])(?:\s*(?:分|星|颗星)|"
                   r"(?![0-9０-９]|\s*[" + MEASURE + r"]))|"
                   r"([一二两三四五])\s*(?:分|星|颗星)(?!钱|钟))[\s,，。.!！:：]*(.*)$", re.S)
NUMERALS = str.maketrans("１２３４５一二两三四五", "12345122345")
NEW_MATTER = "新问题"
NOT_FIXED = ("没解决", "未解决", "没有解决", "还没", "还是", "仍然", "依然", "没修", "没好",
             "不行", "没人")
FIXED = ("解决了", "已解决", "好了", "修好", "没问题", "可以了", "满意")


class Rating(Handler):
    """After 办结 the resident is asked for 1–5; "5 很及时" rates and comments at once."""

    def matches(self, msg, ctx: Context) -> bool:
        return (ctx.resident.state.get("awaiting") == "rating" and msg.type == "text"
                and SCORE.match(msg.content) is not None)

    def handle(self, msg, ctx: Context) -> Reply:
        ticket = tickets.by_number(ctx.session, ctx.resident.state["ticket"])
        more = matter_after(msg.content, ctx.understand,  # "4 另外垃圾站太臭了": two answers
                            ticket.category if ticket else None)
        digit, numeral, comment = SCORE.match(more[0] if more else msg.content).groups()
        score = int((digit or numeral).translate(NUMERALS))
        try:
            ratings.rate(ctx.session, ticket, score, ctx.now, comment.strip() or None)
        except (tickets.TicketError, AttributeError):
            ctx.resident.state = {}
            return with_matter(ctx, Reply("这张工单已评价或已重新办理，无需再评分。感谢您的反馈！"),
                               more, msg.content)
        return with_matter(ctx, Reply(replies.rated(score, ticket.number), ticket_id=ticket.id),
                           more, msg.content)


def with_matter(ctx: Context, reply: Reply, more, text: str) -> Reply:
    """The reply to a rating, and the ticket of the matter marked after it, if any."""
    if more is None:
        return reply
    from handlers.resident import open_ticket_at  # (resident reads this module)
    ticket = open_ticket_at(ctx, more[1], more[2], where=text)
    return Reply(reply.text + "\n" + replies.ticket_opened(ticket, ctx.now), ticket_id=ticket.id)


# A rating said in words, as the 12345 surveys ask it (满意 / 基本满意 / 不满意); the longest
# word first, so 很不满意 is not read as 满意.
WORD_SCORES = (("非常不满意", 1), ("很不满意", 1), ("特别不满意", 1), ("差评", 1), ("不满意", 2),
               ("基本满意", 3), ("还行", 3), ("一般", 3), ("凑合", 3), ("还可以", 3),
               ("比较满意", 4), ("非常满意", 5), ("很满意", 5), ("特别满意", 5), ("满意", 5),
               ("好评", 5), ("点赞", 5), ("满分", 5))


def word_score(text: str) -> tuple[str, int] | None:
    return next(((word, score) for word, score in WORD_SCORES if word in text), None)


class RatingInWords(Handler):
    """Asked to rate a resolved ticket, the resident answers in words: "还是不亮啊" / "根本没修好"
    reopen it (as 未解决 would), "满意 谢谢" / "不满意" rate it; neither opens another ticket.
    Words that name another matter ("小区门口垃圾还没人收") are that matter."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if ctx.resident.state.get("awaiting") != "rating" or not text or SCORE.match(text):
            return False
        ticket = self.ticket(ctx)
        more = matter_after(text, ctx.understand,  # "满意 另外…堵了": the answer is the first part
                            ticket.category if ticket else None)
        text = more[0] if more else text
        result = ctx.understand(text)
        if result.urgency == "emergency" or (result.category != "其他" and names_topic(result)
                                             and ticket is not None
                                             and result.category != ticket.category):
            return False
        return ReturnVisitAnswer.verdict(text) is False or word_score(text) is not None

    @staticmethod
    def ticket(ctx: Context) -> Ticket | None:
        number = ctx.resident.state.get("ticket")
        return ctx.once(("rated_ticket", number), lambda: tickets.by_number(ctx.session, number))

    def handle(self, msg, ctx: Context) -> Reply:
        whole = message_text(msg)
        ticket = self.ticket(ctx)
        more = matter_after(whole, ctx.understand,  # the answer, then a matter of its own
                            ticket.category if ticket else None)
        text = more[0] if more else whole
        try:
            if ticket is None:
                raise tickets.TicketError("no ticket")
            if ReturnVisitAnswer.verdict(text) is False:
                tickets.reopen(ctx.session, ticket, ctx.now, text, ctx.policy)
                ctx.resident.state = {}
                return with_matter(ctx, Reply(replies.reopened(ticket), ticket_id=ticket.id),
                                   more, whole)
            word, score = word_score(text)
            ratings.rate(ctx.session, ticket, score, ctx.now, text)
            ctx.resident.state = {}
        except tickets.TicketError:
            ctx.resident.state = {}
            return keep_for_person(ctx, msg, text=whole)
        return with_matter(ctx, Reply(f"已按“{word}”为工单 {ticket.number} 记 {score} 分。"
                                      + replies.rated(score, ticket.number), ticket_id=ticket.id),
                           more, whole)


class ReturnVisitAnswer(Handler):
    """Words answering a 回访 (还是没解决 / 解决了) answer it: reopened, or closed for good."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        return (ctx.resident.state.get("awaiting") == "return_visit" and bool(text)
                and self.verdict(text) is not None)

    @staticmethod
    def verdict(text: str) -> bool | None:
        if any(word in text for word in NOT_FIXED):
            return False
        return True if any(word in text for word in FIXED) else None

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        ticket = tickets.by_number(ctx.session, ctx.resident.state["ticket"])
        try:
            ratings.answer_return_visit(ctx.session, ticket, ctx.now,
                                        fixed=self.verdict(text), words=text, policy=ctx.policy)
        except (tickets.TicketError, AttributeError):
            ctx.resident.state = {}
            return Reply("这张工单已在重新办理中，请留意进度。")
        if ticket.status == "reopened":
            return Reply(replies.reopened(ticket), ticket_id=ticket.id)
        return Reply("感谢您的回复，很高兴问题已经解决！", ticket_id=ticket.id)


# A staff member's reply to a resident is often a question ("请问是几楼的灯"): the answer may
# come hours later and still belongs to that ticket.
ANSWER_WINDOW = timedelta(hours=24)


def recent_open_ticket(ctx: Context) -> Ticket | None:
    """The resident's newest open ticket of the last FOLLOW_UP_WINDOW (read with their row
    when they wrote: see Context.standing), else the open one they last wrote about in it
    (a picture just after "楼道灯还是没修" belongs to that old ticket) or that staff last
    replied on in the ANSWER_WINDOW (the answer to "请问是几楼的灯")."""
    return ctx.once("recent_open_ticket", lambda: _recent_open_ticket(ctx))


def _recent_open_ticket(ctx: Context) -> Ticket | None:
    since = ctx.now - FOLLOW_UP_WINDOW
    if ctx.standing is not None:
        ticket_id = ctx.standing.open_ticket_id
        if ticket_id is not None:
            return ctx.session.get(Ticket, ticket_id)
        if not ctx.standing.has_open:
            return None
    else:
        opened = ctx.session.scalar(
            select(Ticket).where(Ticket.resident_id == ctx.resident.id,
                                 Ticket.status.in_(OPEN_STATES), Ticket.created_at >= since)
            .order_by(Ticket.id.desc()))
        if opened is not None:
            return opened
    return ctx.session.scalar(
        select(Ticket).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(Ticket.resident_id == ctx.resident.id, Ticket.status.in_(OPEN_STATES),
               or_(and_(TicketEvent.action == "resident_message", TicketEvent.at >= since),
                   and_(TicketEvent.action == "replied",
                        TicketEvent.at >= ctx.now - ANSWER_WINDOW)))
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(1))


class FollowUp(Handler):
    """Within 2 hours of a report, more words, pictures or a location join that ticket,
    unless the words are clearly a new matter (another category, an emergency, 新问题)."""

    def matches(self, msg, ctx: Context) -> bool:
        if msg.type not in ("text", "voice", "image", "location"):
            return False
        if ctx.resident.state.get("awaiting") == "new_matter":
            return False
        text = message_text(msg)
        if msg.type in ("text", "voice") and (not text or text.startswith(NEW_MATTER)):
            return False
        if text and announces_matter(text):  # "我还想反映个问题": asked what (FirstWords)
            return False
        ticket = recent_open_ticket(ctx)
        if ticket is None:
            return False
        if text:
            result = ctx.understand(text)
            if result.urgency == "emergency":  # its own ticket, unless it goes on with one
                return continues_emergency(ticket, result, ctx.now)
            # Another matter only when the words name another topic ("还有楼下的狗天天叫");
            # "每天晚上都有", "我的电话是…", "车牌号是…" add to this one, whatever they hint at.
            # A place answering "where?" is no other matter (翠苑小区5栋门口 reads as 物业服务).
            if result.category not in ("其他", ticket.category) and result.kind != "other" \
                    and names_topic(result):
                return answers_where(ctx, ticket, text) or (
                    ticket.grid is None and place_of(ctx, text) is not None)
        return True

    def handle(self, msg, ctx: Context) -> Reply:
        ticket = recent_open_ticket(ctx)
        if msg.type == "image":
            tickets.add_resident_message(ctx.session, ticket, ctx.now, type="image",
                                         pic_url=msg.image, media_id=msg.media_id)
            return Reply(replies.appended(ticket, "图片"), ticket_id=ticket.id)
        if msg.type == "location":
            lat, lng = float(msg.location_x), float(msg.location_y)
            found = locate_point(ctx.session, LatLng(lat, lng), ctx.nearest_within_m) \
                if ticket.grid is None else None
            if placeable(ticket, found):
                ticket.lat, ticket.lng = lat, lng
                ticket.address = ticket.address or (msg.label or None)
            return place_or_append(ctx, ticket, found, "位置", type="location", lat=lat,
                                   lng=lng, label=msg.label)
        text = message_text(msg)
        if ticket.urgency == "emergency" and stands_down(text):
            tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text,
                                         title="居民说已无危险", remark="请电话确认居民安全后再办结",
                                         leader_too=True)
            return Reply(replies.stood_down(ticket, ticket.emergency_call), ticket_id=ticket.id)
        if is_small_talk(text):
            tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text, tell=False)
            return Reply(replies.small_talk(ticket), ticket_id=ticket.id)
        # The report sent again (was it received?): kept, not pushed to the worker a second time;
        # a danger said again is still pushed (the person may still be in it).
        if ticket.urgency != "emergency" and bare(text) == bare(ticket.description):
            tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text, tell=False)
            return Reply(replies.sent_again(ticket), ticket_id=ticket.id)
        found = locate(ctx.session, text=text) if ticket.grid is None else None
        if found is not None and not found.found and ticket.address:  # "5栋" after "翠苑小区…"
            within = locate_text(ctx.session, ticket.address + text)
            found = within if within.found else found
        if placeable(ticket, found):
            ticket.address = ticket.address or (found.place_name or text)[:255]
            ticket.building = ticket.building or found.building
        # An opener held just before these words ("我想补充一下") belongs with them.
        held.join_ticket(ctx.session, ticket, ctx.now,
                         since=max(ticket.created_at, ctx.now - FOLLOW_UP_WINDOW))
        result = ctx.understand(text)
        phones = (result.entities or {}).get("phones") or []
        if phones and not ticket.resident_phone:  # "我的电话是…": the number to call back
            ticket.resident_phone = phones[0][:20]
        if result.urgency == "emergency" and ticket.category == tickets.SOS_CATEGORY:
            tickets.name_emergency(ctx.session, ticket, tickets.Triage.of(result), ctx.now)
        known = place_of(ctx, text) if found is not None and not found.found else None
        if known is not None and ticket.status in TO_ACCEPT:
            place = known[0]
            # a place the registry does not know ("阳光小区2号楼"): kept as the ticket's address,
            # for the agent who places it; the resident is not asked for it again
            ticket.address = ticket.address or place[:255]
            tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text)
            return Reply(replies.address_noted(ticket, place), ticket_id=ticket.id)
        reply = place_or_append(ctx, ticket, found, "您的补充", text=text)
        if result.urgency == "emergency":  # the number to call first, every time
            return Reply(replies.emergency_joined(ticket, result.emergency["call"],
                                                  result.emergency["name"], text),
                         ticket_id=ticket.id)
        if WITHDRAWS.match(bare(text)) and ticket.status in OPEN_STATES:
            reply = Reply(reply.text + replies.how_to_withdraw(ticket), ticket_id=reply.ticket_id)
        return reply


# A frightened resident writes again and again ("救命 我家着火了" twice, "快来人啊", "人都出来
# 了"): within this while of an emergency, every danger named goes on with its ticket (one
# thread, one alarm); the same danger, for as long as the follow-up window lasts.
EMERGENCY_BURST = timedelta(minutes=30)


def continues_emergency(ticket: Ticket, result, now) -> bool:
    if ticket.urgency != "emergency":
        return False
    return (ticket.category in (result.category, tickets.SOS_CATEGORY)
            or now - ticket.created_at <= EMERGENCY_BURST)


# "搞错了 他是喝醉了睡着了", "按错了", "火已经灭了", "孩子找到了": an alarm stood down. The
# ticket stays open: someone still checks (words alone can be mistaken, or not free).
STANDS_DOWN = re.compile(
    r"(?<![没不未])(?:搞错了|弄错了|误会|按错|点错|误报|发错了|没事了|没事儿了|没有危险了|没危险了|"
    r"虚惊一场|已经灭了|火灭了|灭掉了|扑灭了|醒过来了|醒了|找到了|回来了|到家了|人没事)")


def stands_down(text: str) -> bool:
    return STANDS_DOWN.search(text) is not None


# "算了 不用了", "已经好了": perhaps a withdrawal, which the resident confirms with its number.
WITHDRAWS = re.compile(r"(?:谢谢|好的|好|那就|那|我们?|想|要|麻烦|请|帮我|把|能不能|可以)*"
                       r"(?:算了|不用了|不需要了|不用管了|不用来了|别来了|不要了|撤回|撤销|取消|"
                       r"已经(?:好|修好|弄好|解决|处理好)了|(?:我们?)?自己(?:解决|弄好|修好|处理)了)")


# "这个问题怎么样了", "有进展吗", "处理了吗": the whole message asks how their matter stands.
PROGRESS_TAIL = (r"(?:怎么样|咋样|如何|进展如何|进度如何|进度怎么样|进展|进度|有结果|有消息|有回复|有回音|有人管|"
                 r"有没有人(?:管|处理|来)|"
                 r"到哪一?步|处理好?|解决|办好|修好?|还没人?(?:处理|解决|修|管|来))"
                 r"(?:了|吗|没有|没|呢|啊|呀|啦)*")
# "我想问一下", "想了解下", "麻烦问下": the lead-in of a question, saying nothing of what it asks.
ASKS_LEAD = r"(?:(?:我|俺)?(?:想|就想|麻烦|再)?(?:问一?下|问问|了解一?下|知道一?下|问|知道))"
ASKS_PROGRESS = re.compile(
    r"(?:你好|您好|请问|" + ASKS_LEAD + r"|怎么|为什么|为啥|咋|我们?|俺|有|之前|上次|昨天|前天|刚才|前几天|早上|今天|那天|反映|报|投诉|说|提|"
    r"上周|上星期|上个?礼拜|上个?月|前段时间|前阵子|到底|究竟|有没有|"
    r"那个|这个|问题|事情|事儿?|工单|情况|处理|办理|办|解决|修|得|的|了)*" + PROGRESS_TAIL)
# "我上次反映的楼道灯怎么样了": how a matter they name stands (it is one of their tickets).
ASKS_ABOUT = re.compile(
    r"(?:你好|您好|请问)?" + ASKS_LEAD + r"?(?:我们?|俺)?(?:之前|上次|昨天|前天|前几天|刚才|早上|那天|上周|上个月)?"
    r"(?:反映|反应|报|投诉|说|提|举报)过?的(?P<matter>.{2,24}?)(?:的?(?:事情|事儿?|问题))?"
    r"(?:现在|到底|目前)?" + PROGRESS_TAIL)
# "多久能修好", "什么时候来处理": when their matter will be seen to.
ASKS_WHEN = re.compile(
    r"(?:你好|您好|请问|" + ASKS_LEAD + r"|那|这个|那个|问题|大概|大约|到底|还要|还得|要)*"
    r"(?:多久|多长时间|什么时候|啥时候|几时|何时|哪天|几天)(?:能|可以|会|才能|才会|才|能够)?"
    r"(?:派人|有人)?(?:来|过来|上门)?(?:修|处理|解决|弄|管|看|办)(?:好|完)?(?:啊|呢|吗|呀|了|啦)*")
# "怎么还没人来修", "都三天了还没修": a chase, asking the same as "怎么样了".
CHASES = re.compile(
    r"(?:你好|您好|请问)?(?:怎么|为什么|为啥|咋|都|已经|这都)*(?:[0-9]+|[一二两三四五六七八九十几好多]+)?"
    r"(?:天|周|星期|个星期|个礼拜|个月|小时|个小时)?了?(?:怎么|为什么|为啥|咋)?(?:还是|还|仍然|一直)"
    r"(?:没|没有|不见|不)(?:(?:人|人来|见人)?(?:来|过来|上门)?"
    r"(?:修|处理|解决|管|弄|理|回复|答复|动静|消息|反应|回音)(?:好)?|人来|人过来|见人|人上门)"
    r"(?:啊|呢|吗|呀|了|啦)*")
ASKS_PROGRESS_NEEDS = re.compile(r"怎么样|咋样|如何|进展|进度|结果|消息|回复|回音|有人管|哪一?步|还没|吗|没有?$|呢$")


# "到底有没有人管啊" alone is an opener (what, and where?); about a matter told before, a chase.
TOLD_BEFORE = re.compile(r"反映|反应|投诉|报|提|之前|上次|上周|上星期|上个|前段时间|前阵子|那个|这个")


def asks_progress(text: str) -> bool:
    words = bare(text)
    if "有没有人" in words and not TOLD_BEFORE.search(words):
        return False
    return bool(words) and (ASKS_PROGRESS.fullmatch(words) is not None and
                            ASKS_PROGRESS_NEEDS.search(words) is not None
                            or ASKS_WHEN.fullmatch(words) is not None
                            or CHASES.fullmatch(words) is not None)


def newest_ticket(ctx: Context, category: str | None = None) -> Ticket | None:
    """The resident's newest ticket (of `category`, if given), open ones first, a matter
    before a praise."""
    query = select(Ticket).where(Ticket.resident_id == ctx.resident.id)
    if category is not None:
        query = query.where(Ticket.category == category)
    return ctx.session.scalar(
        query.order_by(Ticket.status.in_(OPEN_STATES).desc(), (Ticket.kind != "praise").desc(),
                       Ticket.id.desc()).limit(1))


def open_matters(ctx: Context, category: str | None = None, limit: int = 1) -> list[Ticket]:
    """The resident's open tickets of a matter (not praise; of `category` if given), newest
    first, however old."""
    if ctx.standing is not None and not ctx.standing.has_open:  # read with their row
        return []
    query = select(Ticket).where(Ticket.resident_id == ctx.resident.id, Ticket.kind != "praise",
                                 Ticket.status.in_(OPEN_STATES))
    if category is not None:
        query = query.where(Ticket.category == category)
    return list(ctx.session.scalars(query.order_by(Ticket.id.desc()).limit(limit)))


def newest_open_ticket(ctx: Context) -> Ticket | None:
    return next(iter(open_matters(ctx)), None)


def named_ticket(ctx: Context, text: str) -> Ticket | None:
    """The resident's ticket a progress question names by its matter ("我反映的楼道灯怎么样了"):
    the newest of theirs in the category the named words classify to."""
    found = ASKS_ABOUT.fullmatch(bare(text))
    if found is None:
        return None
    category = ctx.understand(found.group("matter")).category
    return ctx.once(("newest_ticket", category), lambda: newest_ticket(ctx, category))


class ProgressQuestion(Handler):
    """"这个问题怎么样了": where their newest matter stands, at once; "我反映的楼道灯怎么样了":
    where that matter stands (a named matter none of their tickets is about is a new report).
    An open ticket's owner is told the resident asked. With no ticket at all, the words wait
    for a person."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if not text or ctx.understand(text).urgency != "normal":
            return False
        return (asks_progress(text) or named_ticket(ctx, text) is not None
                or complains_slow(ctx, text))

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        ticket = named_ticket(ctx, text) or newest_ticket(ctx)
        if ticket is None:
            return keep_for_person(ctx, msg, text=text, reply=replies.NO_TICKET_TO_CHECK)
        lead = "很抱歉让您久等了。\n" if SLOW.search(text) and ticket.status in OPEN_STATES else ""
        return where_it_stands(ctx, ticket, text, lead=lead)


# "投诉处理太慢了 一个礼拜了都没人管": a chase in other words, naming no matter of its own.
SLOW = re.compile(r"太慢|好慢|这么慢|真慢|慢死|慢吞吞|拖拖拉拉|拖了?(?:这么久|好久|好几天|几天|一个?(?:礼拜|星期|月))|"
                  r"没人管|没人理|没人处理|没人回复|没人回|没人问|不管不问|没有下文|没下文|石沉大海")
SLOW_MAX = 30


def complains_slow(ctx: Context, text: str) -> bool:
    result = ctx.understand(text)
    return (len(bare(text)) <= SLOW_MAX and SLOW.search(text) is not None
            and not (result.category != "其他" and names_topic(result))
            and newest_open_ticket(ctx) is not None)


def where_it_stands(ctx: Context, ticket: Ticket, text: str, lead: str = "") -> Reply:
    """The resident's words about one of their tickets: an open one takes them (its owner is
    told), a resolved one asks for the rating again; the reply says where it stands."""
    settle_openers(ctx, text)
    told = ticket.status in OPEN_STATES
    if told:
        # a picture sent just before "楼道灯还是没修" shows that matter
        held.join_ticket(ctx.session, ticket, ctx.now, since=ctx.now - POINT_FRESH_FOR,
                         media_only=True)
        tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text)
    elif ticket.status == "resolved":  # the reply asks for the rating: 1–5 rates it
        ctx.resident.state = {"awaiting": "rating", "ticket": ticket.number}
    link = ctx.page("mobile.resident_ticket", number=ticket.number)
    return Reply(lead + replies.progress(ticket, told) + replies.page_line(link, "查看办理进度"),
                 ticket_id=ticket.id)


PLACE_ANSWER_MAX = 20  # an answer to "where is it?" is short: longer words are a new matter


def answers_where(ctx: Context, ticket: Ticket, text: str) -> bool:
    """Short words naming a known place, while the ticket waits in the pool for one."""
    return (ticket.grid is None and len(text) <= PLACE_ANSWER_MAX
            and locate(ctx.session, text=text).found)


def placeable(ticket: Ticket, found) -> bool:
    return (found is not None and found.found
            and ticket.status in TO_ACCEPT)


def place_or_append(ctx: Context, ticket: Ticket, found, what: str, **message) -> Reply:
    """The answer to "where is it?" puts a ticket waiting in the pool into its grid (one
    thread per matter: no second ticket), and its new owner is pushed the whole ticket, place
    included; anything else joins the ticket and is pushed to its owner."""
    if not placeable(ticket, found):
        tickets.add_resident_message(ctx.session, ticket, ctx.now, **message)
        return Reply(replies.appended(ticket, what), ticket_id=ticket.id)
    tickets.add_resident_message(ctx.session, ticket, ctx.now, tell=False, **message)
    ladder.place(ctx.session, ticket, found.grid, ctx.now, how=found.how)
    return Reply(replies.placed(ticket, found.grid.name), ticket_id=ticket.id)
