"""The first line a resident in danger reads: the number to call, then one thing to do while
help comes, for that danger (public first-aid and safety guidance, as 120/119/110 dispatchers
give it on the phone). Keyed by the emergency taxonomy's names (nlp/data/
emergency_categories.tsv), which a ticket keeps as emergency_name."""
from __future__ import annotations

import re

CALL = {"120": "如有生命危险，请立即拨打 120 急救电话！",
        "119": "请立即拨打 119 火警电话！",
        "110": "请立即拨打 110 报警电话！"}
# What to do while waiting when the danger has no line of its own
SAFE_FIRST = {"120": "", "119": "先撤到安全的地方。", "110": "先保护好自己。"}
WHILE_WAITING = {
    "疑似一氧化碳中毒": "马上开窗通风，把人移到空气新鲜的地方，不要开关电器。",
    "自杀/轻生风险": "请陪在他身边，不要让他独处；也可拨打心理援助热线 12356。",
    "溺水": "不要贸然下水，可抛绳子、竹竿或救生圈。",
    "诈骗（正在转账）": "让老人先挂断电话、停止转账，也可拨打反诈专线 96110；已转的钱请马上联系银行冻结。",
    "家庭暴力（正在发生）": "先到安全的地方，保护好自己。",
    "扬言杀人/行凶威胁": "远离对方，到安全的地方，保护好自己。",
    "抢劫/入室": "先保护好自己，不要硬拼，记下对方特征和去向。",
    "暴力伤人/持械": "先躲到安全的地方，保护好自己。",
    "儿童走失/被拐": "记下孩子的衣着和最后出现的地点，请周围的人帮忙留意出口。",
    "老人或病人走失/失联": "走失的请记下衣着和最后出现的地点、带上近照；在家联系不上的，请民警和家人、社区一起上门查看。",
    "被人关押/非法拘禁": "先保护好自己，能说出地点就告诉警方。",
    "火灾": "先撤到安全的地方，不要乘电梯，用湿毛巾捂住口鼻。",
    "爆炸": "远离现场，小心再次爆炸。",
    "冒烟/疑似起火": "先撤到安全的地方，不要乘电梯，用湿毛巾捂住口鼻。",
    "燃气泄漏": "不要开关电灯电器、不要点火，打开门窗后离开，到室外再打电话。",
    "危险化学品泄漏": "远离现场，站到上风方向，捂住口鼻。",
    "异物卡喉/噎住": "可从背后抱住他，拳头放在肚脐上方，快速向里向上冲击（海姆立克法）。",
    "触电": "先切断电源，不要直接用手拉人。",
    "人员被困": "保持冷静，不要冒险施救，等待救援（被困电梯请按警铃，不要扒门）。",
    "房屋倒塌/坍塌": "立即撤离，远离可能继续倒塌的地方。",
    "洪水/内涝困人": "往高处转移，不要蹚水，远离电线杆。",
    "电线断落带电": "远离电线，不要触碰，也不要让别人靠近。",
    "疑似中风": "让人平躺，不要喂水喂药，记下发病时间。",
    "胸痛/心脏急症": "让人坐下或躺下休息；没有呼吸就做胸外按压，附近有 AED 可以取用。",
    "呼吸困难": "让人坐起，解开衣领，保持空气流通。",
    "抽搐/癫痫发作": "移开周围的硬物，让人侧躺，不要往嘴里塞东西。",
    "中毒/服药过量": "保留药瓶或农药瓶，带去医院。",
    "临产/孕妇急症": "让孕妇躺下，准备干净的毛巾和衣物。",
    "交通事故伤人": "不要随意搬动伤者，留在安全的地方，注意来往车辆。",
    "动物咬伤": "用肥皂水和流动清水冲洗伤口 15 分钟。",
    "烧烫伤": "用流动的凉水冲洗伤处 15 分钟以上，不要涂牙膏酱油。",
    "坠落/摔伤起不来": "不要随意搬动伤者，注意保暖。",
    "中暑/冻伤失温": "把人移到阴凉通风（受冻的移到温暖）处。",
    "大出血": "用干净的布用力按住伤口止血。",
    "昏迷/晕倒": "让人侧躺，保持呼吸通畅；没有呼吸就做胸外按压。",
    "呼救": "先保护好自己。",
}


# A resident who wrote in English may read no Chinese: one short line with the number, under the
# Chinese one (session 10; nlp.latin.mostly_latin tells who wrote in English).
IN_ENGLISH = {"120": "Call 120 now (ambulance).", "119": "Call 119 now (fire and rescue).",
              "110": "Call 110 now (police)."}
ANY_IN_ENGLISH = "Call 110 (police), 119 (fire) or 120 (ambulance) now."


def in_english(call: str | None) -> str:
    """The number to call, said in English."""
    return IN_ENGLISH.get(call or "", ANY_IN_ENGLISH)


# Someone behind a door nobody opens (隔壁老人好几天没出门 敲门也没人应): "lay them on their side"
# is no use to a neighbour outside; the police open doors, with the family and the community.
UNREACHED = re.compile(
    r"(?:敲门|敲了门|叫门|喊门|按门铃|拍门|砸门|打电话|打他电话|打她电话|打电话给他|打电话给她)"
    r"[^。！？!?\n]{0,6}?(?:没人应|没人开|没有人应|没有人开|没反应|没有反应|没人理|不应|不开|没人接|不接|"
    r"打不通)|联系不上|进不去|进不了|门(?:从里面)?反锁")
UNREACHED_FIRST = "进不了门、联系不上的，请同时拨打 110，由民警和家人、社区一起上门查看。"


def call_first(call: str | None, name: str | None = None, text: str = "") -> str | None:
    """"请立即拨打 119 火警电话！不要开关电灯电器…": None when no number is known."""
    if call not in CALL:
        return None
    if call == "120" and UNREACHED.search(text):
        return CALL[call] + UNREACHED_FIRST
    return CALL[call] + WHILE_WAITING.get(name or "", SAFE_FIRST[call])
