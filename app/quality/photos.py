"""Is a photo file really an image? Checked by its first bytes, never by its name."""

from __future__ import annotations

from pathlib import Path

from app.messages import Message

#: Leading bytes of the image formats a station camera or phone produces.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)


def image_format(head: bytes) -> str | None:
    """The image format of a file starting with ``head`` (None: not an image we know)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    return None


def photo_problem(path: Path, max_mb: float) -> Message | None:
    """Why ``path`` cannot be attached as a photo, or None."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return Message("quality.photo_missing", {"path": str(path)})
    if not path.is_file():
        return Message("quality.photo_missing", {"path": str(path)})
    if size > max_mb * 1024 * 1024:
        return Message("quality.photo_too_large", {"path": str(path), "limit": max_mb})
    if image_format(head) is None:
        return Message("quality.photo_not_image", {"path": str(path)})
    return None
