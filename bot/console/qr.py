"""One entry per grid: its parametric QR code (scene `grid:<code>`) and a printable poster (公示牌).

With WeChat credentials the QR code is WeChat's own permanent one (QR_LIMIT_STR_SCENE),
created once per grid and kept on the grid (Area.wechat_qr_url); scanning it makes WeChat
send a subscribe or SCAN event whose scene binds the resident (handlers/events.py).
Without credentials the code holds the scene text itself, for the simulator and for
`griddesk sign --event SCAN --key grid:<code>`.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo
from sqlalchemy.orm import Session

from store.models import Area
from store.registry import published_people
from store.vocab import ROLE_NAMES, mask_phone

GRID_SCENE = "grid:"
POSTER_SIZE = (1240, 1754)  # A4 at 150 dpi
RED, INK, GREY, WHITE = "#b71c1c", "#1f2933", "#616e7c", "#ffffff"
# Where Debian's CJK font packages put their files (fonts-wqy-microhei first: it is small).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


class PosterError(Exception):
    """The poster cannot be made (no usable font, not a grid); the message says what to do."""


def scene_for(grid: Area) -> str:
    return f"{GRID_SCENE}{grid.code}"


def find_font(configured: str | None = None) -> Path:
    """The font file posters are drawn with: POSTER_FONT if set, else an installed CJK font.

    A font without Chinese glyphs would print empty boxes, so it is refused too.
    """
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise PosterError(f"POSTER_FONT={configured} is not a font file")
        _check_chinese(path)
        return path
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        if found and Path(found).is_file():
            try:
                _check_chinese(Path(found))
                return Path(found)
            except PosterError:
                pass
    raise PosterError("no Chinese font found: install one (Debian: apt-get install "
                      "fonts-wqy-microhei) or set POSTER_FONT to a .ttf/.ttc/.otf file")


def _check_chinese(path: Path) -> None:
    try:
        font = ImageFont.truetype(str(path), 48)
    except OSError as error:
        raise PosterError(f"{path} is not a font Pillow can read: {error}") from None
    masks = [bytes(font.getmask(char)) for char in "网格"]
    if not all(any(mask) for mask in masks) or masks[0] == masks[1]:
        raise PosterError(f"{path} has no Chinese glyphs: set POSTER_FONT to a CJK font "
                          "such as wqy-microhei.ttc")


def qr_png(content: str, scale: int = 10, border: int = 4) -> bytes:
    out = io.BytesIO()
    segno.make(content, error="m", micro=False).save(out, kind="png", scale=scale,
                                                      border=border)
    return out.getvalue()


@dataclass(frozen=True)
class PosterFacts:
    """What a grid's poster says."""

    code: str
    name: str
    path: str  # 示范区 · 东湖街道 · 幸福里社区
    kind: str
    people: list[tuple[str, str, str]]  # (role name, person, masked phone)
    qr_content: str


def poster_facts(session: Session, grid: Area, qr_content: str) -> PosterFacts:
    people = [(ROLE_NAMES[s.role], s.name, mask_phone(s.phone))
              for s in published_people(session, grid)]
    above = [a.name for a in reversed(grid.ancestors()[1:])]
    return PosterFacts(grid.code, grid.name, " · ".join(above), grid.kind, people, qr_content)


def _fit(draw: ImageDraw.ImageDraw, text: str, font_path: Path, size: int, width: int):
    """The largest font (≤ size) at which text fits the width."""
    while True:
        font = ImageFont.truetype(str(font_path), size)
        if draw.textlength(text, font=font) <= width or size <= 16:
            return font
        size -= 4


def render_poster(facts: PosterFacts, font_path: Path) -> bytes:
    """A printable A4 poster (PNG): title, grid name, QR code, the grid's people, a promise."""
    width, height = POSTER_SIZE
    image = Image.new("RGB", POSTER_SIZE, WHITE)
    draw = ImageDraw.Draw(image)
    inner = width - 160

    def centred(y, text, size, fill=INK):
        font = _fit(draw, text, font_path, size, inner)
        draw.text((width / 2, y), text, font=font, fill=fill, anchor="mt")
        return y + font.size + 20

    draw.rectangle((0, 0, width, 220), fill=RED)
    centred(50, "网格服务台", 84, WHITE)
    centred(150, "一格一码 · 扫码找网格员", 40, WHITE)
    y = centred(270, facts.name, 80)
    y = centred(y, facts.path, 36, GREY)
    y = centred(y, f"网格编码 {facts.code}" + ("（专属网格）" if facts.kind == "special" else ""),
                32, GREY)
    qr = Image.open(io.BytesIO(qr_png(facts.qr_content, scale=16))).convert("RGB")
    side = min(720, height - y - 520)
    qr = qr.resize((side, side), Image.NEAREST)
    image.paste(qr, ((width - side) // 2, y + 10))
    y += side + 40
    for role, person, phone in facts.people or [("网格员", "待配置", "")]:
        y = centred(y, f"{role}：{person}" + (f"　电话：{phone}" if phone else ""), 44)
    y = max(y + 20, height - 200)
    draw.rectangle((0, y, width, height), fill="#fbe9e7")
    centred(y + 30, "微信扫一扫，绑定本网格，随时反映问题", 40, RED)
    centred(y + 100, "15分钟响应 · 30分钟回复 · 24小时解决", 36, INK)

    info = PngInfo()
    info.add_itxt("Title", f"{facts.name} 网格公示牌")
    info.add_itxt("GridCode", facts.code)
    info.add_itxt("QRContent", facts.qr_content)
    info.add_itxt("Font", str(font_path))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


class WeChatQr:
    """Permanent parametric QR codes through the WeChat API (a wechatpy WeChatClient)."""

    def __init__(self, client):
        self.client = client

    def content_for(self, grid: Area) -> str:
        """What the QR code encodes: the URL WeChat returned, created once and kept."""
        if not grid.wechat_qr_url:
            result = self.client.qrcode.create({
                "action_name": "QR_LIMIT_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene_for(grid)}}})
            grid.wechat_qr_url = result["url"]
        return grid.wechat_qr_url


def qr_content(services, grid: Area) -> str:
    """WeChat's QR code when credentials are set (the caller commits the kept URL), else the
    scene text."""
    transport = services.transport
    if getattr(transport, "name", "") == "wechat":
        return WeChatQr(transport.client).content_for(grid)
    return scene_for(grid)


def grid_poster(services, session: Session, grid: Area) -> bytes:
    if grid.level != "grid":
        raise PosterError(f"{grid.code} is a {grid.level}, not a grid")
    font = find_font(services.settings.poster_font)
    return render_poster(poster_facts(session, grid, qr_content(services, grid)), font)
