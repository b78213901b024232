"""Image uploads: the type is decided by the file's bytes, never by its name or header."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cs_platform.models import User

from ..models import Article, ArticleImage

MAX_IMAGE_BYTES = 5 * 1024 * 1024


def image_sniff_type(*, head: bytes) -> str | None:
    """The MIME type of PNG, JPEG, GIF or WebP data from its magic bytes, else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_upload(*, article: Article, file: UploadedFile, uploaded_by: User | None) -> ArticleImage:
    if file.size is None or file.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            {"file": _("Images may be at most %(mb)d MB.") % {"mb": MAX_IMAGE_BYTES // 2**20}}
        )
    if file.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    file.seek(0)
    content_type = image_sniff_type(head=file.read(16))
    file.seek(0)
    if content_type is None:
        raise ValidationError({"file": _("Upload a PNG, JPEG, GIF or WebP image.")})
    image = ArticleImage(
        article=article,
        content_type=content_type,
        size=file.size,
        original_name=(file.name or "")[:200],
        uploaded_by=uploaded_by,
        tenant_id=article.tenant_id,
    )
    image.file.save("upload", file, save=False)
    image.save()
    return image
