"""The shapes of a resident's words that carry no matter yet (greetings, openers, small
talk, thanks): read from the text alone, so every handler asks the same question the same
way."""
from __future__ import annotations

import re

PUNCTUATION = re.compile(r"[\s,，。.!！?？~～、…:：;；\"“”'‘’()（）\[\]【】]+")
# Words that address or greet, and say nothing of a matter.
GREETING = (r"你们好|您们好|你好|您好|大家好|哈喽|哈啰|嗨|hello|hi|喂|早上好|上午好|中午好|下午好|"
            r"晚上好|早安|在吗|在么|在不在|有人吗|有人在吗|有没有人|打扰了|打扰一下|不好意思|请问|"
            r"麻烦问一下|麻烦一下|麻烦了|网格员|网格长|工作人员|社区|同志|领导|师傅|老师|书记|主任|"
            r"小哥|客服|管理员")
# Words that announce a report or a question: intent, quantity, the empty object.
INTENT = (r"急+|着急|很急|紧急|管不管|有没有人管|帮帮忙|帮帮|帮忙|帮助|求助|求求|帮|反映|反应|举报|投诉|咨询|请教|报告|报事|申诉|上报|报修|了解|打听|说说|问问|说|讲|问|提|报|"
          r"问题|情况|急事|事情|事儿|事|意见|建议|诉求|困难")
FILLER = (r"到底|究竟|我们|我家|本人|我|俺|咱们|咱|你们|您|你|想要|需要|准备|打算|想|要|来|得|能不能|可不可以|"
          r"能否|可以|能|还|再|又|一下|下|一个|一点|一些|一件|几个|几件|个|点|些|件|有|跟|和|给|向|"
          r"找|点儿|这边|这里|一|吗|么|呢|啊|呀|哈|吧|哦|嘛|的|了|啦|呐")
OPENER = re.compile(rf"(?:{GREETING}|{INTENT}|{FILLER})+", re.I)
HAS_INTENT = re.compile(INTENT)
GREETING_ONLY = re.compile(rf"(?:{GREETING}|{FILLER})+", re.I)
THANKS = re.compile(r"谢|感谢|辛苦")
# An opener that announces a matter ("我还想反映个问题", "还有个事"), not a push on the one just
# reported ("你们到底管不管", "帮帮忙吧").
ANNOUNCES = re.compile(r"反映|反应|举报|投诉|咨询|请教|报告|报事|申诉|上报|了解|打听|问|提|报|"
                       r"问题|情况|事|意见|建议|诉求|困难")
# Asked for help or in a hurry, with nothing said of what: the numbers to call come first.
PLEA = re.compile(r"急|帮|求助|求求")


def bare(text: str) -> str:
    return PUNCTUATION.sub("", text)


def is_opener(text: str) -> bool:
    """'我想反映个问题', '我要投诉', '在吗 我有个事': intent to report or ask, no topic."""
    words = bare(text)
    return bool(words) and OPENER.fullmatch(words) is not None and \
        HAS_INTENT.search(words) is not None


# Where, and nothing of what: "我家楼下", "小区门口", "楼道里" (the matter follows in the next
# message; a ticket for the place alone would tell a worker nothing).
RELATIVE_PLACE = (r"楼下|楼上|门口|隔壁|对面|附近|旁边|楼道里?|小区里?|单元门?口?|家门口|这附近|那边|"
                  r"那里|这儿|那儿|后面|前面|路边|马路上|外面")
PLACE_ONLY = re.compile(rf"(?:在|就在|住在|是|那个|这个|{FILLER}|{RELATIVE_PLACE})+")
HAS_PLACE = re.compile(RELATIVE_PLACE)


def is_place_only(text: str) -> bool:
    words = bare(text)
    return bool(words) and PLACE_ONLY.fullmatch(words) is not None and \
        HAS_PLACE.search(words) is not None


def announces_matter(text: str) -> bool:
    return is_opener(text) and ANNOUNCES.search(bare(text)) is not None


def is_greeting(text: str) -> bool:
    """'你好', '你好 请问', '网格员在吗': a greeting and nothing else."""
    words = bare(text)
    return bool(words) and GREETING_ONLY.fullmatch(words) is not None


# Words that carry no matter: they stay on the timeline but are not pushed to anyone.
SMALL_TALK = re.compile(
    r"^(?:(?:你好|您好|在吗|(?:谢谢|多谢|感谢)(?:你们|您们|大家|你|您)?|辛苦了?|好的?|好滴|嗯+|哦+|噢|"
    r"行|ok|OK|Ok|收到|知道了|"
    r"明白了?|\d|[１-９０]|\[[^\]]{1,4}\]|/:[^\s]{1,6}|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F])"
    r"[\s!！。.,，~～啦呀哈]*)+$")


def is_small_talk(text: str) -> bool:
    return SMALL_TALK.match(text.strip()) is not None


def message_text(msg) -> str | None:
    if msg.type == "text":
        return msg.content.strip()
    if msg.type == "voice" and msg.recognition:
        return msg.recognition.strip()
    return None
