"""The floor: a minimal wechatpy bot that verifies, decrypts, parses and replies. Nothing else.

Served by gunicorn with GridDesk's own settings, it is what any WeChat bot in Python costs.
"""
from flask import Flask, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN

app = Flask(__name__)
crypto = WeChatCrypto(DEMO_TOKEN, DEMO_AES_KEY, DEMO_APP_ID)


@app.post("/wechat")
def echo():
    args = request.args
    check_signature(DEMO_TOKEN, args["signature"], args["timestamp"], args["nonce"])
    xml = crypto.decrypt_message(request.get_data(), args["msg_signature"], args["timestamp"],
                                 args["nonce"])
    message = parse_message(xml)
    reply = TextReply(content=f"已收到：{message.content}", message=message).render()
    return crypto.encrypt_message(reply, args["nonce"], args["timestamp"])
