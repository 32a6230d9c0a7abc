"""Every text a resident reads, in one place."""
from __future__ import annotations

from store.vocab import minutes_between

DANGER = "如遇危险，请立即拨打 110（报警）、119（火警）或 120（急救）！"
WELCOME = ("您好，欢迎关注网格服务台！有事直接发消息给我们：描述问题（如“3栋楼道灯坏了”），"
           "我们会马上派给您所在网格的网格员。")
UNBOUND = ("您还没有绑定网格：请扫描小区公示牌上的网格二维码，或告诉我们您所在的小区、楼栋，"
           "以便派给对应的网格员。")
GUIDE = ("您好，我是网格服务台。请直接描述您遇到的问题或想咨询的事情，"
         "例如“3栋2单元楼道灯坏了”“居住证怎么办理”，我们会派给您的网格员处理。")
VOICE_UNRECOGNISED = "抱歉，没能听清这条语音。请用文字描述您的问题，我们马上为您处理。"
MEDIA = "已收到。请再用文字简单描述一下问题和地点，我们好派给网格员处理。"
UNSUPPORTED = "暂不支持这类消息。请直接发送文字描述您的问题，我们会尽快为您处理。"
ACK_LATER = "您的消息已收到，系统正在处理，稍后会把结果发给您。"
UNKNOWN_GRID = "没有找到这个网格二维码对应的网格，请确认二维码是否为本辖区公示牌上的二维码。"


def bound(grid_name: str, worker: str | None) -> str:
    who = f"，网格员 {worker} 为您服务" if worker else ""
    return f"已为您绑定“{grid_name}”{who}。有事直接发消息给我们即可。"


def ticket_opened(ticket, now) -> str:
    minutes = minutes_between(now, ticket.accept_by)
    if ticket.assignee is not None:
        role = "网格员" if ticket.assignee.role == "grid_worker" else ""
        text = (f"已受理，工单号 {ticket.number}，{role}{ticket.assignee.name} "
                f"将在 {minutes} 分钟内响应。")
    else:
        text = f"已受理，工单号 {ticket.number}，工作人员将在 {minutes} 分钟内分派处理。"
    if ticket.kind == "praise":
        text = f"感谢您的肯定！已记录，工单号 {ticket.number}，我们会转达给相关工作人员。"
    if ticket.grid is None:
        text += UNBOUND
    if ticket.urgency == "emergency":
        text = f"{DANGER}\n{text}"
    return text + f"\n回复“查询 {ticket.number}”可查看进度。"
