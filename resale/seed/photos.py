"""The shared demo photos: a few hundred placeholder images, drawn once and reused.

Every photo is a gradient, the group's flat icon, the category name and a DEMO PHOTO band.
Drawing is deterministic: the same catalogue gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from PIL import Image, ImageChops, ImageDraw, ImageFont

from listings import photos as photo_store
from resale import demo_catalog as catalog
from resale.core.taxonomy import LEAVES, PARENTS, Category

PHOTOS_PER_LEAF = 3
PHOTO_EDGE = 800
THUMB_EDGE = 400


class Steps(Protocol):
    """Where drawing reports its progress (the seed's progress bars)."""

    def start(self, description: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...


def photo_key(slug: str, number: int) -> str:
    return f"demo/{slug}-{number}"


def ensure_demo_photos(steps: Steps) -> int:
    """Draw the shared placeholder images that are missing; returns how many were drawn."""
    wanted = [(leaf, n) for leaf in LEAVES for n in range(1, PHOTOS_PER_LEAF + 1)]
    missing = [
        (leaf, n)
        for leaf, n in wanted
        if not all(
            photo_store.file_path(photo_key(leaf.slug, n), size).exists()
            for size in photo_store.SIZES
        )
    ]
    steps.start("Demo photos", len(wanted))
    steps.advance(len(wanted) - len(missing))
    if not missing:
        return 0

    def draw(job: tuple[Category, int]) -> None:
        leaf, number = job
        photo_store.save(photo_key(leaf.slug, number), _encode(_demo_photo(leaf, number)))

    # Pillow releases the GIL while resizing and encoding, so threads use both cores.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for _ in pool.map(draw, missing):
            steps.advance(1)
    return len(missing)


def _encode(image: Image.Image) -> photo_store.ProcessedPhoto:
    display, thumb = io.BytesIO(), io.BytesIO()
    image.save(display, "JPEG", quality=85)
    # Exactly half the size: a 2x2 box average is as good as Lanczos here, and much faster.
    image.reduce(PHOTO_EDGE // THUMB_EDGE).save(thumb, "JPEG", quality=80)
    return photo_store.ProcessedPhoto(
        display=display.getvalue(), thumb=thumb.getvalue(), width=image.width, height=image.height
    )


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Loaded per use (a tenth of a millisecond), not cached: a FreeType face must not be
    # shared between the drawing threads.
    return ImageFont.load_default(size=size)


_TURNS = (None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)


@functools.cache
def _background(group: str, number: int) -> Image.Image:
    """Gradient, soft discs and the group's icon: shared by every leaf of a group."""
    style = catalog.GROUPS[group]
    dark, light = style.colours
    edge = PHOTO_EDGE
    # A diagonal gradient; each image of a category runs it another way.
    ramp = Image.linear_gradient("L").resize((edge, edge))
    mask = ImageChops.add(ramp, ramp.transpose(Image.Transpose.ROTATE_90), scale=2.0)
    turn = _TURNS[number % len(_TURNS)]
    if turn is not None:
        mask = mask.transpose(turn)
    image = Image.composite(
        Image.new("RGB", mask.size, dark), Image.new("RGB", mask.size, light), mask
    )

    draw = ImageDraw.Draw(image, "RGBA")
    cx, cy = _icon_centre(number)
    draw.ellipse((cx - 230, cy - 230, cx + 230, cy + 230), fill=(255, 255, 255, 46))
    corner = 90 + 470 * (number % 2)
    draw.ellipse((corner, 40, corner + 160, 200), fill=(255, 255, 255, 26))

    # The icon is drawn at twice the size and shrunk, so its edges are smooth.
    icon_edge = 300 + 30 * (number % 3)
    icon = Image.new("RGBA", (icon_edge * 2, icon_edge * 2), (0, 0, 0, 0))
    _draw_icon(ImageDraw.Draw(icon), style.icon, scale=icon_edge * 2 / 1000, accent=dark)
    icon = icon.reduce(2)
    image.paste(icon, (cx - icon_edge // 2, cy - icon_edge // 2), mask=icon)
    return image


def _icon_centre(number: int) -> tuple[int, int]:
    return 400 + (-60, 0, 60)[number % 3], 300 + (number % 2) * 20


def _demo_photo(leaf: Category, number: int) -> Image.Image:
    """A flat, friendly placeholder: gradient, icon, category name and a DEMO PHOTO band."""
    assert leaf.parent is not None
    dark = catalog.GROUPS[leaf.parent].colours[0]
    edge = PHOTO_EDGE
    image = _background(leaf.parent, number).copy()
    draw = ImageDraw.Draw(image, "RGBA")
    group_name = next(p.name for p in PARENTS if p.slug == leaf.parent).upper()
    draw.text((edge // 2, 42), group_name, font=_font(26), fill=(255, 255, 255, 215), anchor="mt")
    size = 52
    while size > 30 and draw.textlength(leaf.name, font=_font(size)) > edge - 80:
        size -= 2
    draw.text(
        (edge // 2, 548),
        leaf.name,
        font=_font(size),
        fill=(255, 255, 255),
        anchor="mt",
        stroke_width=2,
        stroke_fill=dark,
    )
    # The band that says what this is, readable even on a thumbnail.
    draw.rectangle((0, edge - 150, edge, edge), fill=(24, 24, 28, 200))
    draw.text(
        (edge // 2, edge - 118),
        "DEMO PHOTO",
        font=_font(64),
        fill=(255, 255, 255),
        anchor="mt",
        stroke_width=2,
        stroke_fill=(255, 255, 255),
    )
    draw.text(
        (edge // 2, edge - 38),
        "placeholder image for demo data",
        font=_font(24),
        fill=(220, 220, 225),
        anchor="mt",
    )
    return image


# --- icons -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Grid:
    """A 1000 x 1000 drawing grid scaled to the icon, with the icon's colours."""

    scale: float
    accent: tuple[int, int, int]

    def p(self, *xy: float) -> list[tuple[float, float]]:
        return [(xy[i] * self.scale, xy[i + 1] * self.scale) for i in range(0, len(xy), 2)]

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * self.scale, y0 * self.scale, x1 * self.scale, y1 * self.scale)

    @property
    def white(self) -> tuple[int, int, int, int]:
        return (255, 255, 255, 240)

    @property
    def shade(self) -> tuple[int, int, int, int]:
        return (*self.accent, 230)

    @property
    def line(self) -> int:
        return round(28 * self.scale)


def _draw_icon(
    draw: ImageDraw.ImageDraw, name: str, *, scale: float, accent: tuple[int, int, int]
) -> None:
    """Simple flat icons on a 1000 x 1000 grid: white shapes with accent details."""
    try:
        icon = ICONS[name]
    except KeyError:  # pragma: no cover - every group has an icon; a test draws them all
        raise ValueError(f"no icon called {name!r}") from None
    icon(draw, _Grid(scale=scale, accent=accent))


def _screen(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.rounded_rectangle(g.box(100, 160, 900, 700), radius=40 * g.scale, fill=g.white)
    draw.rectangle(g.box(150, 210, 850, 650), fill=g.shade)
    draw.polygon(g.p(450, 700, 550, 700, 600, 830, 400, 830), fill=g.white)
    draw.rounded_rectangle(g.box(290, 820, 710, 870), radius=20 * g.scale, fill=g.white)


def _dress(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.polygon(
        g.p(
            395,
            110,
            440,
            110,
            470,
            210,
            530,
            210,
            560,
            110,
            605,
            110,
            625,
            330,
            565,
            430,
            810,
            880,
            190,
            880,
            435,
            430,
            375,
            330,
        ),
        fill=g.white,
    )
    draw.rectangle(g.box(440, 410, 560, 450), fill=g.shade)


def _shirt(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.polygon(
        g.p(
            350,
            140,
            430,
            140,
            500,
            220,
            570,
            140,
            650,
            140,
            890,
            300,
            810,
            450,
            710,
            400,
            710,
            880,
            290,
            880,
            290,
            400,
            190,
            450,
            110,
            300,
        ),
        fill=g.white,
    )
    draw.polygon(g.p(430, 140, 500, 220, 570, 140, 540, 140, 500, 185, 460, 140), fill=g.shade)


def _onesie(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.polygon(
        g.p(
            370,
            150,
            450,
            150,
            500,
            205,
            550,
            150,
            630,
            150,
            830,
            290,
            760,
            410,
            680,
            370,
            680,
            640,
            590,
            820,
            410,
            820,
            320,
            640,
            320,
            370,
            240,
            410,
            170,
            290,
        ),
        fill=g.white,
    )
    for x in (450, 500, 550):
        draw.ellipse(g.box(x - 16, 770, x + 16, 802), fill=g.shade)
    draw.ellipse(g.box(440, 420, 560, 540), fill=g.shade)


def _shoe(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.polygon(
        g.p(
            110,
            700,
            120,
            450,
            260,
            420,
            400,
            290,
            530,
            290,
            570,
            430,
            770,
            520,
            880,
            600,
            890,
            700,
        ),
        fill=g.white,
    )
    draw.rounded_rectangle(g.box(100, 690, 900, 780), radius=30 * g.scale, fill=g.shade)
    for i in range(3):
        x = 420 + i * 45
        draw.line(g.p(x, 360 + i * 20, x + 60, 400 + i * 25), fill=g.shade, width=g.line // 2)


def _bag(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.arc(g.box(320, 170, 680, 560), start=180, end=360, fill=g.white, width=g.line * 2)
    draw.line(g.p(320, 365, 320, 400), fill=g.white, width=g.line * 2)
    draw.line(g.p(680, 365, 680, 400), fill=g.white, width=g.line * 2)
    draw.rounded_rectangle(g.box(180, 380, 820, 860), radius=60 * g.scale, fill=g.white)
    draw.rounded_rectangle(g.box(450, 470, 550, 540), radius=12 * g.scale, fill=g.shade)


def _sofa(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.rounded_rectangle(g.box(190, 300, 810, 600), radius=50 * g.scale, fill=g.white)
    draw.rounded_rectangle(g.box(150, 560, 850, 730), radius=30 * g.scale, fill=g.white)
    draw.rounded_rectangle(g.box(90, 440, 240, 760), radius=45 * g.scale, fill=g.white)
    draw.rounded_rectangle(g.box(760, 440, 910, 760), radius=45 * g.scale, fill=g.white)
    draw.line(g.p(500, 330, 500, 580), fill=g.shade, width=g.line // 2)
    draw.line(g.p(240, 600, 760, 600), fill=g.shade, width=g.line // 2)
    draw.rectangle(g.box(150, 760, 200, 840), fill=g.white)
    draw.rectangle(g.box(800, 760, 850, 840), fill=g.white)


def _lamp(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.polygon(g.p(330, 130, 670, 130, 790, 450, 210, 450), fill=g.white)
    draw.rectangle(g.box(480, 450, 520, 800), fill=g.white)
    draw.ellipse(g.box(320, 770, 680, 870), fill=g.white)
    draw.polygon(g.p(380, 450, 620, 450, 700, 560, 300, 560), fill=(255, 255, 255, 70))


def _washer(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.rounded_rectangle(g.box(200, 110, 800, 890), radius=50 * g.scale, fill=g.white)
    draw.line(g.p(200, 270, 800, 270), fill=g.shade, width=g.line // 2)
    draw.ellipse(g.box(650, 160, 720, 230), fill=g.shade)
    draw.rectangle(g.box(270, 175, 450, 215), fill=g.shade)
    draw.ellipse(g.box(290, 350, 710, 770), outline=g.shade, width=g.line)
    draw.ellipse(g.box(360, 420, 640, 700), fill=(*g.accent, 120))


def _bike(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    for cx in (250, 750):
        draw.ellipse(g.box(cx - 200, 440, cx + 200, 840), outline=g.white, width=g.line)
    frame = (250, 640, 430, 420, 660, 420, 750, 640)
    draw.line(g.p(*frame), fill=g.white, width=g.line, joint="curve")
    draw.line(g.p(430, 420, 500, 640, 250, 640), fill=g.white, width=g.line, joint="curve")
    draw.line(g.p(500, 640, 660, 420), fill=g.white, width=g.line)
    draw.line(g.p(430, 420, 400, 340), fill=g.white, width=g.line)
    draw.rounded_rectangle(g.box(340, 310, 470, 350), radius=15 * g.scale, fill=g.white)
    draw.line(g.p(660, 420, 640, 320, 720, 300), fill=g.white, width=g.line, joint="curve")
    draw.ellipse(g.box(470, 610, 530, 670), fill=g.shade)


def _pram(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.pieslice(g.box(160, 200, 800, 760), start=0, end=180, fill=g.white)
    draw.pieslice(g.box(160, 200, 800, 760), start=180, end=270, fill=g.white)
    draw.line(g.p(480, 480, 800, 480), fill=g.shade, width=g.line // 2)
    draw.line(g.p(800, 480, 900, 300), fill=g.white, width=g.line)
    for cx in (310, 650):
        draw.ellipse(g.box(cx - 80, 760, cx + 80, 920), outline=g.white, width=g.line)


def _books(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.rounded_rectangle(g.box(150, 700, 850, 820), radius=14 * g.scale, fill=g.white)
    draw.rounded_rectangle(g.box(210, 570, 790, 690), radius=14 * g.scale, fill=g.white)
    draw.rectangle(g.box(210, 610, 790, 640), fill=g.shade)
    draw.rounded_rectangle(g.box(260, 440, 740, 560), radius=14 * g.scale, fill=g.white)
    draw.polygon(g.p(560, 430, 640, 170, 740, 200, 660, 440), fill=g.white)
    draw.line(g.p(600, 420, 670, 200), fill=g.shade, width=g.line // 2)
    draw.rectangle(g.box(150, 740, 850, 770), fill=g.shade)


def _blocks(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    for x0, y0 in ((170, 520), (530, 520), (350, 180)):
        draw.rounded_rectangle(g.box(x0, y0, x0 + 300, y0 + 300), radius=40 * g.scale, fill=g.white)
    for x, y in ((260, 610), (380, 730), (620, 610), (740, 730), (620, 730), (740, 610)):
        draw.ellipse(g.box(x - 28, y - 28, x + 28, y + 28), fill=g.shade)
    draw.ellipse(g.box(472, 302, 528, 358), fill=g.shade)


def _tent(draw: ImageDraw.ImageDraw, g: _Grid) -> None:
    draw.polygon(g.p(500, 170, 890, 800, 110, 800), fill=g.white)
    draw.polygon(g.p(500, 430, 640, 800, 360, 800), fill=g.shade)
    draw.line(g.p(60, 820, 940, 820), fill=g.white, width=g.line // 2)
    draw.line(g.p(500, 170, 500, 100), fill=g.white, width=g.line // 2)
    draw.polygon(g.p(500, 100, 600, 125, 500, 150), fill=g.white)


ICONS: dict[str, Callable[[ImageDraw.ImageDraw, _Grid], None]] = {
    "screen": _screen,
    "dress": _dress,
    "shirt": _shirt,
    "onesie": _onesie,
    "shoe": _shoe,
    "bag": _bag,
    "sofa": _sofa,
    "lamp": _lamp,
    "washer": _washer,
    "bike": _bike,
    "pram": _pram,
    "books": _books,
    "blocks": _blocks,
    "tent": _tent,
}
