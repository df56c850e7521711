"""Photo intake: decode to check, strip metadata, re-encode in two sizes, store under media/."""

from __future__ import annotations

import contextlib
import ctypes
import io
import math
import re
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, UnidentifiedImageError

from resale.core.config import settings
from resale.core.errors import InvalidInput
from resale.core.i18n import gettext as _
from resale.core.i18n import number

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
DISPLAY_EDGE = 1600
THUMB_EDGE = 480
SIZES = ("display", "thumb")
# Shrink in two steps, as Pillow's thumbnail() does: first by a whole factor (a JPEG decoded
# at 1/2, 1/4 or 1/8 scale, other formats reduced), keeping at least this many times the
# final size, then the last step with a fine filter. 2.0 is Pillow's default: "very close
# to fair resampling".
REDUCING_GAP = 2.0
WHITE = (255, 255, 255)
# EXIF orientation -> the transposition that shows the picture upright (as ImageOps does).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class InvalidPhoto(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="photos")


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    display: bytes
    thumb: bytes
    width: int
    height: int


class DecodeSlots:
    """At most ``limit`` photos are decoded at once in this process; the others wait.

    A 40-megapixel photo takes 120 MB once decoded, whatever its file size. Without a bound,
    eight uploads at once decoded eight at once (4.3 GB). ``busy`` and ``waiting`` are there
    for tests and for whoever wants to look.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.busy = 0
        self.waiting = 0
        self._turn = threading.Condition()

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._turn:
            self.waiting += 1
            try:
                self._turn.wait_for(lambda: self.busy < self.limit)
            finally:
                self.waiting -= 1
            self.busy += 1
            self._turn.notify_all()  # for anyone watching busy/waiting
        try:
            yield
        finally:
            with self._turn:
                self.busy -= 1
                idle = self.busy == 0
                self._turn.notify_all()
            if idle:
                _give_back_memory()

    def wait_until(self, condition: Callable[[DecodeSlots], bool], timeout: float) -> bool:
        """Block until ``condition(self)`` holds (tests use it to see threads queue up)."""
        with self._turn:
            return self._turn.wait_for(lambda: condition(self), timeout=timeout)


def _load_malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to do
        return None
    trim: Callable[[int], int] = libc.malloc_trim
    return trim


_malloc_trim = _load_malloc_trim()


def _give_back_memory() -> None:
    """Return freed decode buffers to the system once no decode runs.

    glibc keeps freed memory in per-thread arenas; decodes run on many worker threads, so
    without this the process stays near its peak long after the uploads are done.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


decode_slots = DecodeSlots(settings.photo_decodes_at_once)


def fitted_size(width: int, height: int, edge: int) -> tuple[int, int]:
    """The size ``Image.thumbnail((edge, edge))`` gives: aspect kept, never enlarged."""
    if width <= edge and height <= edge:
        return width, height

    def round_aspect(number: float, key: Callable[[int], float]) -> int:
        return max(min(math.floor(number), math.ceil(number), key=key), 1)

    aspect = width / height
    if aspect <= 1:  # edge / edge >= aspect: the height is the edge
        return round_aspect(edge * aspect, key=lambda n: abs(aspect - n / edge)), edge
    return edge, round_aspect(edge / aspect, key=lambda n: 0 if n == 0 else abs(aspect - edge / n))


def _reduced(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """Shrink by a whole factor while staying at least REDUCING_GAP times the target."""
    factor = int(min(image.width / target[0], image.height / target[1]) / REDUCING_GAP)
    if factor < 2 or image.mode not in ("RGB", "RGBA", "L", "LA"):
        return image
    return image.reduce(factor)


def _flattened(image: Image.Image) -> Image.Image:
    """RGB; transparency becomes white (a JPEG has none, and black would look broken)."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", rgba.size, WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    # Pillow's JPEG writer copies a source JPEG's comment (COM) from .info unless told otherwise.
    image.info.clear()
    out = io.BytesIO()
    # A fresh encode from pixels only: no EXIF (GPS), no ICC, no comments survive.
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _probe(data: bytes, name: str) -> None:
    """Check the header (format, pixel budget) and the file's structure, decoding nothing."""
    with Image.open(io.BytesIO(data)) as probe:
        fmt = probe.format
        if fmt not in ACCEPTED_FORMATS:
            raise InvalidPhoto(
                _("%(name)s is a %(format)s file; use JPEG, PNG or WebP.")
                % {"name": name, "format": fmt or _("unknown")}
            )
        if probe.width * probe.height > settings.max_photo_pixels:
            raise InvalidPhoto(
                _(
                    "%(name)s has too many pixels (%(width)s×%(height)s, %(megapixels)s"
                    " megapixels); the most we take is %(limit)s megapixels. Please send a"
                    " smaller copy."
                )
                % {
                    "name": name,
                    "width": probe.width,
                    "height": probe.height,
                    "megapixels": number(probe.width * probe.height / 1e6, digits=1),
                    "limit": f"{settings.max_photo_pixels / 1e6:g}",
                }
            )
        if min(probe.size) < 50:
            raise InvalidPhoto(
                _("%(name)s is too small (%(width)s×%(height)s); use at least 50 pixels.")
                % {"name": name, "width": probe.width, "height": probe.height}
            )
        probe.verify()  # structural check of the whole file


def _decode_and_encode(data: bytes, name: str) -> ProcessedPhoto:
    """Decode at the smallest scale the display size allows, then make both JPEGs.

    Only one reduced copy is alive at a time: each step drops the previous one.
    """
    with Image.open(io.BytesIO(data)) as opened:
        orientation = opened.getexif().get(ExifTags.Base.Orientation, 1)
        turn = UPRIGHT.get(orientation) if isinstance(orientation, int) else None
        full = opened.size
        if orientation in (5, 6, 7, 8):  # the upright picture is the other way round
            full = (full[1], full[0])
        display_size = fitted_size(*full, DISPLAY_EDGE)
        thumb_size = fitted_size(*full, THUMB_EDGE)
        # JPEG: decode at 1/2, 1/4 or 1/8 scale (other formats ignore this). The size asked
        # for is in the file's own orientation; the edge is the same either way round.
        step = fitted_size(*opened.size, DISPLAY_EDGE)
        opened.draft(None, (int(step[0] * REDUCING_GAP), int(step[1] * REDUCING_GAP)))
        opened.load()  # full decode: a truncated file fails here
        image: Image.Image = _flattened(_reduced(opened, step))
    image = _reduced(image, step)  # modes reduce() takes only once flattened (palette)
    if turn is not None:
        image = image.transpose(turn)
    display = _resized(image, display_size)
    thumb = _resized(image, thumb_size)
    del image  # the large copy goes before encoding
    try:
        return ProcessedPhoto(
            display=_jpeg(display, 85),
            thumb=_jpeg(thumb, 80),
            width=display.width,
            height=display.height,
        )
    finally:
        display.close()
        thumb.close()


def process(data: bytes, *, filename: str = "photo") -> ProcessedPhoto:
    """Check an upload by decoding it and make the display and thumbnail JPEGs.

    The header is read first, so a photo over the pixel budget is refused without being
    decoded; decoding waits for one of the process's decode slots.
    Raises InvalidPhoto with a message for the person who uploaded it.
    """
    name = filename or "photo"
    if not data:
        raise InvalidPhoto(_("%(name)s is empty.") % {"name": name})
    if len(data) > settings.max_photo_bytes:
        limit = settings.max_photo_bytes // (1024 * 1024)
        raise InvalidPhoto(
            _("%(name)s is larger than %(limit)s MB.") % {"name": name, "limit": limit}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _probe(data, name)
            with decode_slots.hold():
                photo = _decode_and_encode(data, name)
    except InvalidPhoto:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidPhoto(
            _("%(name)s is not a picture we can read; use JPEG, PNG or WebP.") % {"name": name}
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidPhoto(
            _("%(name)s is damaged and cannot be read (%(reason)s).")
            % {"name": name, "reason": exc}
        ) from None
    return photo


def file_path(key: str, size: str) -> Path:
    return settings.media_dir / f"{key}-{size}.jpg"


def url(key: str, size: str) -> str:
    return f"/media/{key}-{size}.jpg"


def new_key(listing_id: int) -> str:
    return f"listings/{listing_id}/{uuid.uuid4().hex}"


# An upload: its file name and its bytes, or the file itself, read only when its turn comes
# so that a request's photos are not all in memory at once.
Upload = tuple[str, bytes | BinaryIO]


def read_upload(content: bytes | BinaryIO) -> bytes:
    """The upload's bytes, one more than the limit at most (enough to refuse it)."""
    if isinstance(content, bytes):
        return content
    return content.read(settings.max_photo_bytes + 1)


# --- Pending photos: checked and stored, not yet on a listing ------------------------------
# The sell form keeps the photos of a submit that failed on another field here, so the
# seller does not choose them again. Nothing is in the database; what nobody claims is
# removed by age (remove_stale_pending).

PENDING_DIR = "pending"
PENDING_KEY = re.compile(rf"{PENDING_DIR}/(\d+)/([0-9a-f]{{32}})")


@dataclass(frozen=True, slots=True)
class PendingPhoto:
    key: str  # pending/<owner id>/<random hex>
    width: int
    height: int

    @property
    def owner_id(self) -> int:
        return int(self.key.split("/")[1])

    def exists(self) -> bool:
        return all(file_path(self.key, size).is_file() for size in SIZES)


def keep_pending(owner_id: int, photo: ProcessedPhoto) -> PendingPhoto:
    key = f"{PENDING_DIR}/{owner_id}/{uuid.uuid4().hex}"
    save(key, photo)
    return PendingPhoto(key=key, width=photo.width, height=photo.height)


def move(source: str, target: str) -> None:
    """Give stored photos a new key (both sizes); a rename, so nothing is copied."""
    for size in SIZES:
        path = file_path(target, size)
        path.parent.mkdir(parents=True, exist_ok=True)
        file_path(source, size).replace(path)


def remove_stale_pending(*, older_than: timedelta, now: float | None = None) -> int:
    """Remove pending photos nobody claimed in time; returns how many files went."""
    root = settings.media_dir / PENDING_DIR
    if not root.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    removed = 0
    for path in root.glob("*/*.jpg"):
        with contextlib.suppress(FileNotFoundError):  # another process got there first
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    for folder in root.iterdir():
        with contextlib.suppress(OSError):  # not empty, or gone already
            folder.rmdir()
    return removed


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
