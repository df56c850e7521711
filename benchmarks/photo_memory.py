"""Peak memory of the server while it takes 8 uploads of a 39.7-megapixel JPEG at once.

    python benchmarks/photo_memory.py [--runs 3] [--parallel 8] [--json out.json]

Generates a 7680×5168 JPEG (smooth colour noise, a few MB), then for each mode starts the
app (uvicorn on a loopback port, fresh SQLite in a scratch folder), registers a seller,
creates one draft per upload and sends the uploads at once through the JSON API. It reads
the server process's VmHWM (peak resident memory) and VmRSS (after the uploads) from
/proc/PID/status.

Modes, in the same run:
- ``bounded``: the app as it is (decode slots, reduced-scale JPEG decoding).
- ``plain``: the same server with photo intake swapped for the plain decode it had before
  (full-size decode, every upload at once), as the baseline.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 7680, 5168  # 39.7 megapixels, under the 40 MP budget


def make_jpeg() -> bytes:
    from PIL import Image

    # Colour noise blown up: detail at every scale a photo has, yet a few MB as a JPEG.
    channels = [Image.effect_noise((160, 108), 80) for _ in range(3)]
    image = Image.merge("RGB", channels).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


# --- The baseline: photo intake as it was before decode slots and reduced-scale decoding ---


def plain_process(data: bytes, *, filename: str = "photo") -> Any:
    from PIL import Image, ImageOps, UnidentifiedImageError

    from listings import photos
    from resale.core.config import settings

    name = filename or "photo"
    if not data:
        raise photos.InvalidPhoto(f"{name} is empty.")
    if len(data) > settings.max_photo_bytes:
        raise photos.InvalidPhoto(f"{name} is larger than 10 MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in photos.ACCEPTED_FORMATS:
                    raise photos.InvalidPhoto(f"{name} is not JPEG, PNG or WebP.")
                if probe.width * probe.height > settings.max_photo_pixels:
                    raise photos.InvalidPhoto(f"{name} has too many pixels.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image: Image.Image = ImageOps.exif_transpose(opened)
                if image.mode != "RGB":
                    image = image.convert("RGB")
    except photos.InvalidPhoto:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise photos.InvalidPhoto(f"{name} cannot be read ({exc}).") from None

    def encode(edge: int, quality: int) -> bytes:
        copy = image.copy()
        copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        copy.info.clear()
        out = io.BytesIO()
        copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        return out.getvalue()

    display = encode(photos.DISPLAY_EDGE, 85)
    thumb = encode(photos.THUMB_EDGE, 80)
    scale = min(1.0, photos.DISPLAY_EDGE / max(image.size))
    return photos.ProcessedPhoto(
        display=display,
        thumb=thumb,
        width=round(image.width * scale),
        height=round(image.height * scale),
    )


def serve(port: int, plain: bool) -> None:
    """The server process (this script run with --serve)."""
    # This folder holds matching.py, which would hide the matching package.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import uvicorn

    from resale.app import create_app

    if plain:
        from listings import photos

        photos.process = plain_process  # type: ignore[assignment]
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")


# --- The client ----------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(method: str, url: str, body: bytes | None = None, **headers: str) -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (loopback)
        return json.loads(response.read() or b"null")


def _multipart(name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def run_once(photo: bytes, *, plain: bool, parallel: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="resale-photo-memory-") as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESALE_")}
        env.update(
            RESALE_DATA_DIR=scratch,
            RESALE_ENV="test",
            RESALE_SECRET_KEY="benchmark-secret-key-" + "x" * 32,
            RESALE_SWEEP_INTERVAL_SECONDS="0",
            PYTHONPATH=str(ROOT),
        )
        subprocess.run(
            [sys.executable, "-c", "from resale.migrations import upgrade; upgrade()"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        port = _free_port()
        args = [sys.executable, __file__, "--serve", str(port)] + (["--plain"] if plain else [])
        server = subprocess.Popen(args, env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    _call("GET", f"{base}/health")
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.2)
            account = {
                "email": "bench@example.com",
                "password": "a long benchmark password",
                "display_name": "Bench",
            }
            _call(
                "POST",
                f"{base}/auth/register",
                json.dumps(account).encode(),
                **{"Content-Type": "application/json"},
            )
            form = urllib.parse.urlencode(
                {"username": account["email"], "password": account["password"]}
            ).encode()
            token = _call(
                "POST",
                f"{base}/auth/token",
                form,
                **{"Content-Type": "application/x-www-form-urlencoded"},
            )["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            draft = {
                "title": "Benchmark armchair",
                "description": "A large photo of an armchair.",
                "category": "tables",
                "condition": "good",
                "price_cents": 5000,
                "lat": 48.86,
                "lon": 2.36,
                "place": "Paris",
            }
            ids = [
                _call(
                    "POST",
                    f"{base}/listings",
                    json.dumps(draft).encode(),
                    **auth,
                    **{"Content-Type": "application/json"},
                )["id"]
                for _ in range(parallel)
            ]
            idle_kb = _status_kb(server.pid, "VmRSS")
            body, content_type = _multipart("photos", "big.jpg", photo)
            failures: list[str] = []
            gate = threading.Barrier(parallel)

            def upload(listing_id: int) -> None:
                gate.wait()
                try:
                    _call(
                        "POST",
                        f"{base}/listings/{listing_id}/photos",
                        body,
                        **auth,
                        **{"Content-Type": content_type},
                    )
                except urllib.error.HTTPError as exc:
                    failures.append(f"{exc.code} {exc.read()[:200]!r}")

            threads = [threading.Thread(target=upload, args=(i,)) for i in ids]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            if failures:
                raise RuntimeError(f"uploads failed: {failures}")
            time.sleep(1)  # let freed memory settle before reading what stays
            return {
                "idle_mb": idle_kb / 1024,
                "peak_mb": _status_kb(server.pid, "VmHWM") / 1024,
                "after_mb": _status_kb(server.pid, "VmRSS") / 1024,
                "seconds": seconds,
            }
        finally:
            server.terminate()
            server.wait(timeout=30)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--modes", default="plain,bounded")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.plain)
        return

    photo = make_jpeg()
    print(
        f"photo: {WIDTH}×{HEIGHT} ({WIDTH * HEIGHT / 1e6:.1f} MP), {len(photo) / 1e6:.2f} MB; "
        f"{args.parallel} uploads at once, {args.runs} runs per mode"
    )
    results: dict[str, list[dict[str, float]]] = {}
    for run in range(args.runs):
        for mode in args.modes.split(","):
            figures = run_once(photo, plain=mode == "plain", parallel=args.parallel)
            results.setdefault(mode, []).append(figures)
            print(
                f"  run {run + 1} {mode:>8}: peak {figures['peak_mb']:7.0f} MB, "
                f"after {figures['after_mb']:6.0f} MB (idle {figures['idle_mb']:.0f} MB), "
                f"{figures['seconds']:.1f} s",
                flush=True,
            )
    print(f"{'mode':>10} {'peak MB':>17} {'after MB':>17} {'seconds':>15}")
    print(f"{'':>10} {'median':>8} {'p95':>8} {'median':>8} {'p95':>8} {'median':>7} {'p95':>7}")
    for mode, runs in results.items():
        cols = []
        for key, width in (("peak_mb", 8), ("after_mb", 8), ("seconds", 7)):
            values = [r[key] for r in runs]
            fmt = ".1f" if key == "seconds" else ".0f"
            cols.append(f"{statistics.median(values):{width}{fmt}} {_p95(values):{width}{fmt}}")
        print(f"{mode:>10} " + " ".join(cols))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
