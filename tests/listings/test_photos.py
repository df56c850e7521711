"""Photo intake: decode to check, strip metadata, re-encode in two sizes."""

from __future__ import annotations

import io
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageChops, ImageOps, ImageStat

from listings import photos
from listings.photos import InvalidPhoto
from resale.core.config import settings
from tests.factories import jpeg_bytes


def encode(image: Image.Image, fmt: str, **save: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def noisy(width: int, height: int) -> Image.Image:
    """An image with detail, so its JPEG is not a few hundred bytes of flat colour."""
    return Image.effect_noise((width, height), 64).convert("RGB")


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Model] = "Snapper 9"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 32.4),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 43.2),
    }
    return exif


def assert_no_metadata(data: bytes) -> None:
    image = decode(data)
    exif = image.getexif()
    assert len(exif) == 0
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert b"Exif\x00\x00" not in data
    assert b"PhoneCo" not in data


def test_jpeg_is_accepted_and_reencoded() -> None:
    source = encode(noisy(800, 600), "JPEG", quality=95)
    result = photos.process(source)
    assert decode(result.display).format == "JPEG"
    assert decode(result.thumb).format == "JPEG"
    assert result.display != source
    assert (result.width, result.height) == (800, 600)
    assert decode(result.display).size == (800, 600)


def test_png_with_alpha_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (200, 100), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (100, 0, 200, 100))  # right half fully transparent
    result = photos.process(encode(image, "PNG"), filename="logo.png")
    out = decode(result.display)
    assert out.format == "JPEG"
    assert out.mode == "RGB"
    red, white = out.getpixel((50, 50)), out.getpixel((150, 50))
    assert isinstance(red, tuple) and isinstance(white, tuple)
    assert red[0] > 230 and red[1] < 30 and red[2] < 30
    assert min(white) > 240  # transparent became white, not black


def test_palette_and_greyscale_png_are_accepted() -> None:
    palette = Image.new("RGB", (120, 90), "orange").convert("P", palette=Image.Palette.ADAPTIVE)
    assert decode(photos.process(encode(palette, "PNG")).display).mode == "RGB"
    grey = Image.new("L", (120, 90), 128)
    assert decode(photos.process(encode(grey, "PNG")).display).mode == "RGB"


def test_webp_is_accepted() -> None:
    result = photos.process(encode(noisy(300, 200), "WEBP"), filename="shot.webp")
    assert decode(result.display).format == "JPEG"
    assert (result.width, result.height) == (300, 200)


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    source = encode(Image.new("CMYK", (120, 90), (0, 255, 255, 0)), "JPEG")
    assert decode(photos.process(source).display).mode == "RGB"


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")],
)
def test_other_image_formats_are_refused_by_content(fmt: str, name: str) -> None:
    data = encode(Image.new("RGB", (200, 200), "blue"), fmt)
    with pytest.raises(InvalidPhoto) as caught:
        photos.process(data, filename="holiday.jpg")  # the name claims JPEG; the bytes do not
    message = caught.value.message
    assert "holiday.jpg" in message
    assert name in message
    assert "JPEG, PNG or WebP" in message
    assert caught.value.field == "photos"
    assert caught.value.status_code == 422


def test_text_renamed_to_jpg_is_refused() -> None:
    with pytest.raises(InvalidPhoto, match=r"notes\.jpg is not a picture we can read"):
        photos.process(b"Dear diary, today I sold a sofa.\n" * 20, filename="notes.jpg")


def test_html_pretending_to_be_png_is_refused() -> None:
    with pytest.raises(InvalidPhoto, match="JPEG, PNG or WebP"):
        photos.process(b"<html><script>alert(1)</script></html>", filename="x.png")


def test_truncated_jpeg_is_refused() -> None:
    whole = encode(noisy(400, 300), "JPEG")
    assert photos.process(whole)  # the file is fine before it is cut
    with pytest.raises(InvalidPhoto, match=r"cut\.jpg is (damaged|not a picture)"):
        photos.process(whole[: len(whole) // 2], filename="cut.jpg")


def test_truncated_png_is_refused() -> None:
    whole = encode(noisy(400, 300), "PNG")
    with pytest.raises(InvalidPhoto, match=r"cut\.png is (damaged|not a picture)"):
        photos.process(whole[: len(whole) * 2 // 3], filename="cut.png")


def test_empty_file_is_refused() -> None:
    with pytest.raises(InvalidPhoto, match=r"blank\.jpg is empty"):
        photos.process(b"", filename="blank.jpg")


def test_file_over_10_mb_is_refused_even_if_it_decodes() -> None:
    # A valid JPEG with trailing bytes still decodes; the size alone refuses it.
    padded = jpeg_bytes() + b"\0" * (10 * 1024 * 1024)
    assert len(padded) > settings.max_photo_bytes
    with pytest.raises(InvalidPhoto, match=r"big\.jpg is larger than 10 MB"):
        photos.process(padded, filename="big.jpg")


def test_file_of_exactly_the_limit_is_not_refused_for_size() -> None:
    data = jpeg_bytes()
    padded = data + b"\0" * (settings.max_photo_bytes - len(data))
    assert len(padded) == settings.max_photo_bytes
    assert photos.process(padded).width == 640


@pytest.mark.parametrize("size", [(30, 30), (49, 400), (400, 49)])
def test_too_small_is_refused(size: tuple[int, int]) -> None:
    with pytest.raises(InvalidPhoto, match="too small"):
        photos.process(encode(Image.new("RGB", size, "red"), "PNG"), filename="tiny.png")


def test_smallest_accepted_size() -> None:
    assert photos.process(encode(Image.new("RGB", (50, 50), "red"), "PNG")).width == 50


def test_too_many_pixels_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "max_photo_pixels", 100 * 100)
    with pytest.raises(InvalidPhoto, match="too many pixels"):
        photos.process(encode(Image.new("RGB", (101, 100), "red"), "PNG"))
    assert photos.process(encode(Image.new("RGB", (100, 100), "red"), "PNG"))


def test_exif_and_gps_are_removed() -> None:
    source = encode(noisy(640, 480), "JPEG", exif=gps_exif())
    # The test image really carries the location before processing.
    before = decode(source).getexif()
    assert before.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert b"PhoneCo" in source
    result = photos.process(source, filename="with-gps.jpg")
    assert_no_metadata(result.display)
    assert_no_metadata(result.thumb)


def test_exif_in_png_and_webp_is_removed() -> None:
    for fmt in ("PNG", "WEBP"):
        source = encode(noisy(200, 150), fmt, exif=gps_exif())
        assert b"PhoneCo" in source, fmt
        result = photos.process(source)
        assert_no_metadata(result.display)
        assert_no_metadata(result.thumb)


def test_icc_profile_and_comment_are_dropped() -> None:
    source = encode(noisy(200, 150), "JPEG", icc_profile=b"\0" * 128, comment=b"taken at 12 Rue X")
    result = photos.process(source)
    assert b"Rue X" not in result.display
    assert "icc_profile" not in decode(result.display).info


def test_xmp_location_is_dropped() -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.54N"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    source = encode(noisy(200, 150), "JPEG", xmp=xmp)
    assert b"GPSLatitude" in source
    result = photos.process(source)
    for data in (result.display, result.thumb):
        assert b"GPSLatitude" not in data
        assert "xmp" not in decode(data).info


@pytest.mark.parametrize(
    ("orientation", "size"),
    [(1, (300, 100)), (3, (300, 100)), (6, (100, 300)), (8, (100, 300))],
)
def test_exif_orientation_is_applied(orientation: int, size: tuple[int, int]) -> None:
    # A landscape sensor image, tagged "rotate" the way phones do it.
    image = Image.new("RGB", (300, 100), "white")
    image.paste((255, 0, 0), (0, 0, 60, 100))  # a red band on the sensor's left edge
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    result = photos.process(encode(image, "JPEG", exif=exif, quality=95))
    out = decode(result.display)
    assert out.size == size
    assert (result.width, result.height) == size
    assert ExifTags.Base.Orientation not in out.getexif()
    # Where the red band ends up shows the rotation really happened.
    red_at = {
        1: (10, 50),  # left
        3: (290, 50),  # right (rotated 180)
        6: (50, 10),  # top (rotated 90 clockwise)
        8: (50, 290),  # bottom (rotated 90 anticlockwise)
    }[orientation]
    pixel = out.getpixel(red_at)
    assert isinstance(pixel, tuple)
    assert pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


@pytest.mark.parametrize("size", [(4000, 3000), (1000, 3000), (1600, 1600), (2000, 60)])
def test_display_and_thumbnail_sizes_are_bounded(size: tuple[int, int]) -> None:
    result = photos.process(encode(Image.new("RGB", size, "green"), "PNG"))
    display, thumb = decode(result.display), decode(result.thumb)
    assert max(display.size) <= photos.DISPLAY_EDGE
    assert max(thumb.size) <= photos.THUMB_EDGE
    assert (result.width, result.height) == display.size
    # The aspect ratio is kept (within rounding).
    for out in (display, thumb):
        assert out.width / out.height == pytest.approx(size[0] / size[1], rel=0.05)
    if max(size) > photos.DISPLAY_EDGE:
        assert max(display.size) == photos.DISPLAY_EDGE
    assert max(thumb.size) == min(photos.THUMB_EDGE, max(size))


def test_small_photos_are_not_enlarged() -> None:
    result = photos.process(encode(Image.new("RGB", (200, 120), "green"), "PNG"))
    assert decode(result.display).size == (200, 120)
    assert decode(result.thumb).size == (200, 120)


def test_save_and_delete_write_both_sizes(media_dir: Any) -> None:
    key = photos.new_key(999_999)
    assert key.startswith("listings/999999/")
    written = photos.save(key, photos.process(jpeg_bytes()))
    assert sorted(p.name for p in written) == sorted(
        [f"{key.rsplit('/', 1)[1]}-display.jpg", f"{key.rsplit('/', 1)[1]}-thumb.jpg"]
    )
    for path in written:
        assert path.is_file()
        assert media_dir in path.parents
        assert not path.with_suffix(".tmp").exists()
    assert photos.url(key, "thumb") == f"/media/{key}-thumb.jpg"
    photos.delete(key)
    assert not any(p.exists() for p in written)


def test_shared_demo_photos_are_never_deleted(media_dir: Any) -> None:
    key = "demo/test-sofa"
    written = photos.save(key, photos.process(jpeg_bytes()))
    try:
        photos.delete(key)
        assert all(p.exists() for p in written)
    finally:
        for p in written:
            p.unlink()


# --- Bounded decodes -----------------------------------------------------------------------


def smooth(width: int, height: int) -> Image.Image:
    """Colour noise blown up: detail at every scale, like a photo, and a small JPEG."""
    bands = [Image.effect_noise((max(width // 40, 1), max(height // 40, 1)), 80) for _ in "RGB"]
    return Image.merge("RGB", bands).resize((width, height), Image.Resampling.BICUBIC)


def psnr(a: Image.Image, b: Image.Image) -> float:
    difference = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mse = sum(v * v for v in ImageStat.Stat(difference).rms) / 3
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def test_decodes_wait_for_a_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    slots = photos.DecodeSlots(2)
    monkeypatch.setattr(photos, "decode_slots", slots)
    release = threading.Event()
    lock = threading.Lock()
    in_flight = most = 0
    real = photos._decode_and_encode

    def counted(data: bytes, name: str) -> photos.ProcessedPhoto:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        try:
            release.wait(timeout=60)
            return real(data, name)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(photos, "_decode_and_encode", counted)
    source = encode(noisy(400, 300), "JPEG")
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(photos.process, source) for _ in range(8)]
        # Two decode, six wait for a slot: the state holds until the two are let go.
        assert slots.wait_until(lambda s: s.busy == 2 and s.waiting == 6, timeout=60)
        assert in_flight == 2
        release.set()
        results = [future.result(timeout=60) for future in futures]
    assert most == 2
    assert all((r.width, r.height) == (400, 300) for r in results)
    assert (slots.busy, slots.waiting) == (0, 0)


def test_the_process_wide_slots_follow_the_setting() -> None:
    assert photos.decode_slots.limit == settings.photo_decodes_at_once


def test_a_refused_photo_frees_its_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    slots = photos.DecodeSlots(1)
    monkeypatch.setattr(photos, "decode_slots", slots)
    whole = encode(noisy(400, 300), "JPEG")
    for _ in range(3):  # with a leaked slot the second would wait forever
        with pytest.raises(InvalidPhoto):
            photos.process(whole[: len(whole) // 2], filename="cut.jpg")
    assert slots.busy == 0
    assert photos.process(whole).width == 400


def test_over_the_pixel_budget_is_refused_from_the_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "max_photo_pixels", 1_000_000)

    def no_decode(data: bytes, name: str) -> photos.ProcessedPhoto:
        raise AssertionError("a photo over the budget must not be decoded")

    monkeypatch.setattr(photos, "_decode_and_encode", no_decode)
    with pytest.raises(InvalidPhoto) as caught:
        photos.process(encode(Image.new("RGB", (1001, 1000), "red"), "JPEG"), filename="big.jpg")
    assert caught.value.field == "photos"
    assert caught.value.status_code == 422
    assert "big.jpg has too many pixels (1001×1000, 1.0 megapixels)" in caught.value.message
    assert "the most we take is 1 megapixels" in caught.value.message


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[tuple[int, int]] = []
    real = photos._flattened

    def spy(image: Image.Image) -> Image.Image:
        decoded.append(image.size)
        return real(image)

    monkeypatch.setattr(photos, "_flattened", spy)
    result = photos.process(encode(smooth(6400, 4800), "JPEG", quality=85))
    # Half scale: still at least twice the 1600x1200 display size, a quarter of the pixels.
    assert decoded == [(3200, 2400)]
    assert (result.width, result.height) == (1600, 1200)


def test_large_png_is_reduced_before_it_is_flattened(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[tuple[int, int]] = []
    real = photos._flattened

    def spy(image: Image.Image) -> Image.Image:
        decoded.append(image.size)
        return real(image)

    monkeypatch.setattr(photos, "_flattened", spy)
    result = photos.process(encode(Image.new("RGBA", (6400, 3200), (0, 0, 255, 128)), "PNG"))
    assert decoded == [(3200, 1600)]
    assert (result.width, result.height) == (1600, 800)
    pixel = decode(result.display).getpixel((800, 400))
    assert isinstance(pixel, tuple)
    assert pixel[2] > 200 and 100 < pixel[0] < 160  # half-transparent blue on white


def _before(data: bytes, edge: int, quality: int) -> Image.Image:
    """What intake made before decoding was bounded: full decode, then thumbnail()."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image = ImageOps.exif_transpose(opened).convert("RGB")
    image.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    return decode(encode(image, "JPEG", quality=quality, optimize=True, progressive=True))


@pytest.mark.parametrize(("size", "orientation"), [((6400, 4800), 1), ((6600, 4400), 6)])
def test_reduced_decoding_keeps_sizes_and_quality(size: tuple[int, int], orientation: int) -> None:
    source = smooth(*size)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    data = encode(source, "JPEG", quality=90, exif=exif)
    upright = source.rotate(-90, expand=True) if orientation == 6 else source
    result = photos.process(data)
    for edge, quality, made in ((1600, 85, result.display), (480, 80, result.thumb)):
        now, before = decode(made), _before(data, edge, quality)
        assert now.size == before.size
        # Measured against a fair downscale of the pristine picture, as good as before.
        fair = upright.resize(now.size, Image.Resampling.LANCZOS)
        assert psnr(now, fair) >= psnr(before, fair) - 0.5
    assert (result.width, result.height) == decode(result.display).size


def test_fitted_size_is_what_thumbnail_gives() -> None:
    for size in [(7680, 5168), (5168, 7680), (1601, 1600), (3000, 1001), (1000, 3000), (49, 4000)]:
        for edge in (photos.DISPLAY_EDGE, photos.THUMB_EDGE):
            image = Image.new("L", size)
            image.thumbnail((edge, edge))
            assert photos.fitted_size(*size, edge) == image.size, (size, edge)
