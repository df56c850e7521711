"""Photo intake: decode to check, strip metadata, re-encode in two sizes, store under media/."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from resale.config import settings
from resale.errors import InvalidInput

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
DISPLAY_EDGE = 1600
THUMB_EDGE = 480
SIZES = ("display", "thumb")


class InvalidPhoto(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="photos")


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    display: bytes
    thumb: bytes
    width: int
    height: int


def _encode(image: Image.Image, edge: int, quality: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    # Pillow's JPEG writer copies a source JPEG's comment (COM) from .info unless told otherwise.
    copy.info.clear()
    out = io.BytesIO()
    # A fresh encode from pixels only: no EXIF (GPS), no ICC, no comments survive.
    copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def process(data: bytes, *, filename: str = "photo") -> ProcessedPhoto:
    """Check an upload by decoding it and make the display and thumbnail JPEGs.

    Raises InvalidPhoto with a message for the person who uploaded it.
    """
    name = filename or "photo"
    if not data:
        raise InvalidPhoto(f"{name} is empty.")
    if len(data) > settings.max_photo_bytes:
        limit = settings.max_photo_bytes // (1024 * 1024)
        raise InvalidPhoto(f"{name} is larger than {limit} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in ACCEPTED_FORMATS:
                    raise InvalidPhoto(
                        f"{name} is a {fmt or 'unknown'} file; use JPEG, PNG or WebP."
                    )
                if probe.width * probe.height > settings.max_photo_pixels:
                    raise InvalidPhoto(
                        f"{name} has too many pixels ({probe.width}×{probe.height})."
                    )
                probe.verify()  # structural check of the whole file
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()  # full decode: a truncated file fails here
                image: Image.Image = ImageOps.exif_transpose(opened)
                if image.mode in ("RGBA", "LA", "P"):
                    rgba = image.convert("RGBA")
                    background = Image.new("RGB", rgba.size, (255, 255, 255))
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    image = background
                elif image.mode != "RGB":
                    image = image.convert("RGB")
    except InvalidPhoto:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidPhoto(f"{name} is not a picture we can read; use JPEG, PNG or WebP.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidPhoto(f"{name} is damaged and cannot be read ({exc}).") from None
    if min(image.size) < 50:
        raise InvalidPhoto(
            f"{name} is too small ({image.width}×{image.height}); use at least 50 pixels."
        )
    display = _encode(image, DISPLAY_EDGE, 85)
    thumb = _encode(image, THUMB_EDGE, 80)
    scale = min(1.0, DISPLAY_EDGE / max(image.size))
    return ProcessedPhoto(
        display=display,
        thumb=thumb,
        width=round(image.width * scale),
        height=round(image.height * scale),
    )


def file_path(key: str, size: str) -> Path:
    return settings.media_dir / f"{key}-{size}.jpg"


def url(key: str, size: str) -> str:
    return f"/media/{key}-{size}.jpg"


def new_key(listing_id: int) -> str:
    return f"listings/{listing_id}/{uuid.uuid4().hex}"


def save(key: str, photo: ProcessedPhoto) -> list[Path]:
    """Write both sizes; returns the paths written (to remove them if the transaction fails)."""
    written: list[Path] = []
    for size, content in (("display", photo.display), ("thumb", photo.thumb)):
        path = file_path(key, size)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
        written.append(path)
    return written


def is_shared(key: str) -> bool:
    """Demo photos are shared by many listings and never deleted with one of them."""
    return key.startswith("demo/")


def delete(key: str) -> None:
    if is_shared(key):
        return
    for size in SIZES:
        file_path(key, size).unlink(missing_ok=True)
