"""Is the account ready to go live? `griddesk wechat-check` and the console's 上线检查 page.

Calls the real API with the configured credentials and says, in Chinese, what is ready and
what is not: the access token (or 40164 with the address WeChat saw), each configured
template present with the keys the configuration names (template/get_all_private_template),
the menu published (get_current_selfmenu_info), the JS-SDK's jsapi_ticket (ticket/getticket),
the phone pages' links (PUBLIC_BASE_URL, and the MP_verify files WeChat fetches from its root to
accept the domain), and the callback's Token / EncodingAESKey / AppID agreeing with a message
signed and encrypted here and opened the way the webhook does.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from bot.wechat.errors import server_address
from bot.wechat.templates import KeysError, parse_keys
from bot.wechat.protocol import (BadRequest, Forbidden, Protocol, sign, signed_request,
                                 text_message_xml)

TEMPLATES = {"ticket": "工单通知（发给网格员等工作人员）",
             "progress": "办理进度（发给居民，客服消息额度用完时）"}
ACCOUNT_ERRORS = {40013: "AppID 无效", 40125: "AppSecret 错误", 40164: "IP 不在白名单",
                  48001: "公众号没有该接口权限", 41002: "缺少 AppID", 41004: "缺少 AppSecret"}


@dataclass(frozen=True)
class Finding:
    ok: bool
    item: str
    detail: str


def check(settings, transport) -> list[Finding]:
    """Every finding, ready or not; nothing here changes the account."""
    findings = [_callback(settings)]
    if not settings.uses_real_wechat:
        return findings + [Finding(False, "公众号接口", "未配置 WECHAT_APP_ID / "
                                                    "WECHAT_APP_SECRET：当前为本地模式，"
                                                    "消息只记录在模拟器里")]
    # client.get honours WECHAT_API_BASE_URL; wechatpy's template and menu helpers always
    # call api.weixin.qq.com.
    client = transport.client
    try:
        client.fetch_access_token()
    except WeChatClientException as error:
        return findings + [Finding(False, "access_token", _account_error(error))]
    findings.append(Finding(True, "access_token", "可以获取（AppID / AppSecret 正确，"
                                                   "本服务器 IP 在白名单内）"))
    try:
        templates = {t["template_id"]: t for t in
                     client.get("template/get_all_private_template").get("template_list", [])}
        findings += [_template(settings, name, purpose, templates)
                     for name, purpose in TEMPLATES.items()]
    except WeChatClientException as error:
        findings.append(Finding(False, "模板消息", _account_error(error)))
    findings.append(_menu(client))
    findings.append(_jsapi(transport))
    findings.append(_page_domain(settings))
    return findings


def _account_error(error: WeChatClientException) -> str:
    meaning = ACCOUNT_ERRORS.get(error.errcode, "微信拒绝")
    if error.errcode == 40164:
        return (f"{meaning}：本服务器 IP {server_address(error)} 未加入公众号的 IP 白名单"
                f"（公众平台“设置与开发 → 基本配置 → IP白名单”）")
    return f"{meaning}（错误码 {error.errcode}：{error.errmsg}）"


def _template(settings, name: str, purpose: str, templates: dict) -> Finding:
    item = f"模板 {purpose}"
    template_id = getattr(settings, f"wechat_template_{name}")
    setting = f"WECHAT_TEMPLATE_{name.upper()}"
    if not template_id:
        lost = ("工作人员只能收到客服消息：48 小时内没给公众号发过消息的人收不到新工单通知"
                if name == "ticket" else
                "居民 48 小时内没发消息、或客服消息额度用完后，进度通知发不出去")
        return Finding(False, item, f"未配置 {setting}：{lost}")
    template = templates.get(template_id)
    if template is None:
        return Finding(False, item, f"{setting}={template_id} 不在公众号的模板列表中"
                                    f"（请在“模板消息 → 我的模板”中添加后核对 ID）")
    try:
        keys = parse_keys(getattr(settings, f"wechat_template_{name}_keys"))
    except KeysError as error:
        return Finding(False, item, f"{setting}_KEYS 无法读取：{error}")
    present = re.findall(r"\{\{(\w+)\.DATA\}\}", template.get("content", ""))
    missing = [key for key, _ in keys if key not in present]
    if missing:
        return Finding(False, item, f"模板 {template_id} 没有字段 {'、'.join(missing)}"
                                    f"（模板有：{'、'.join(present)}）；请按模板内容改 "
                                    f"{setting}_KEYS")
    unfilled = [key for key in present if key not in dict(keys)
                and key not in ("first", "remark")]
    if unfilled:
        return Finding(False, item, f"模板字段 {'、'.join(unfilled)} 没有配置内容，手机上会显示"
                                    f"空行；请在 {setting}_KEYS 中补上")
    return Finding(True, item, f"{template_id}：字段 {'、'.join(present)} 均已配置")


def _menu(client) -> Finding:
    try:
        info = client.get("get_current_selfmenu_info")
    except WeChatClientException as error:
        return Finding(False, "自定义菜单", _account_error(error))
    buttons = (info.get("selfmenu_info") or {}).get("button") or []
    if not info.get("is_menu_open") or not buttons:
        return Finding(False, "自定义菜单", "未发布：运行 griddesk menu-sync 发布"
                                         "（报事件 / 一键求助 / 我的）")
    return Finding(True, "自定义菜单", "已发布：" + "、".join(b.get("name", "") for b in buttons))


def _jsapi(transport) -> Finding:
    """The phone pages' photo and location buttons need wx.config, signed with this ticket."""
    item = "JS-SDK（jsapi_ticket）"
    try:
        transport.jsapi_ticket()
    except WeChatClientException as error:
        return Finding(False, item, _account_error(error) + "：手机页面只能用浏览器自带的拍照"
                                                           "和定位")
    except requests.RequestException as error:
        return Finding(False, item, f"无法获取：{type(error).__name__}")
    return Finding(True, item, "可以获取（手机页面可以拍照上传、获取位置）")


def _page_domain(settings) -> Finding:
    """Links in messages open the phone pages on PUBLIC_BASE_URL's domain, which must be the
    account's 网页授权域名 and JS接口安全域名; WeChat accepts the domain only after fetching
    MP_verify_<code>.txt from its root, so every such file here must be served there."""
    from bot.config import instance_dir
    item = "手机页面链接（网页授权域名）"
    base = settings.public_base_url.rstrip("/")
    if not base:
        return Finding(False, item, "未设置 PUBLIC_BASE_URL：工作人员和居民收到的消息不带链接，"
                                    "打不开手机上的工单页面")
    host = base.split("://", 1)[-1].split("/", 1)[0]
    files = sorted(instance_dir().glob("MP_verify_*.txt"))
    for path in files:
        url = f"{base}/{path.name}"
        try:
            answer = requests.get(url, timeout=5)
        except requests.RequestException as error:
            return Finding(False, item, f"{url} 无法访问：{type(error).__name__}")
        if answer.status_code != 200 or answer.text != path.read_text():
            return Finding(False, item, f"{url} 没有返回域名校验文件的内容（HTTP "
                                        f"{answer.status_code}），微信将不接受域名 {host}")
    served = (f"，域名校验文件 {'、'.join(p.name for p in files)} 可以访问" if files else "")
    return Finding(True, item, f"链接指向 {base}{served}；请确认公众平台的网页授权域名和 "
                               f"JS 接口安全域名均为 {host}")


def _callback(settings) -> Finding:
    """Sign and encrypt a message as WeChat would with these settings, and open it the way
    the webhook does; with PUBLIC_BASE_URL, also ask the live callback URL to verify."""
    item = "服务器配置（Token / EncodingAESKey）"
    if settings.wechat_encoding_aes_key and len(settings.wechat_encoding_aes_key) != 43:
        return Finding(False, item, "EncodingAESKey 应为 43 个字符")
    protocol = Protocol(settings.wechat_token, settings.wechat_encoding_aes_key,
                        settings.wechat_app_id)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    try:
        args, body = signed_request(protocol, text_message_xml("o_self_test", "自检", msg_id=1,
                                                               create_time=int(timestamp)),
                                    encrypted=protocol.crypto is not None,
                                    openid="o_self_test", timestamp=timestamp, nonce=nonce)
        opened = protocol.open(args, body.encode())
    except (BadRequest, Forbidden, ValueError) as error:
        return Finding(False, item, f"自签名消息无法解开：{error}")
    if opened.message.content != "自检":
        return Finding(False, item, "自签名消息解开后内容不一致")
    mode = "安全模式" if protocol.crypto else "明文模式"
    base = settings.public_base_url.rstrip("/")
    if not base:
        return Finding(True, item, f"{mode}自检通过（未设置 PUBLIC_BASE_URL，未检查线上回调地址）")
    echostr = secrets.token_hex(8)
    url = f"{base}/wechat"
    try:
        answer = requests.get(url, params={"signature": sign(settings.wechat_token, timestamp,
                                                             nonce),
                                           "timestamp": timestamp, "nonce": nonce,
                                           "echostr": echostr}, timeout=5)
    except requests.RequestException as error:
        return Finding(False, item, f"回调地址 {url} 无法访问：{type(error).__name__}")
    if answer.status_code != 200 or answer.text != echostr:
        return Finding(False, item, f"回调地址 {url} 没有通过签名校验（HTTP {answer.status_code}）"
                                    f"，请核对公众平台上的 Token")
    return Finding(True, item, f"{mode}自检通过，回调地址 {url} 签名校验通过")


def report(findings: list[Finding]) -> str:
    lines = [f"{'✔' if f.ok else '✘'} {f.item}：{f.detail}" for f in findings]
    ready = all(f.ok for f in findings)
    lines.append("可以上线。" if ready else "尚未就绪：请先处理标 ✘ 的项目。")
    return "\n".join(lines)
