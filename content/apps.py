from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cs_platform.models import Tenant


def _article_label(article: Any) -> str:
    titles = sorted(article.translations.all(), key=lambda t: t.language != "ja")
    return f"{titles[0].title} ({article.slug})" if titles else article.slug


def _article_label_data(article: Any) -> dict[str, Any]:
    # The article is named in the trash, the change log and the audit log by its title in
    # the reader's language where it has one.
    titles = {t.language: t.title for t in article.translations.all()}
    return {"slug": article.slug, "titles": titles} if titles else {}


def _article_label_words(items: list[dict[str, Any]]) -> list[str | None]:
    language = (get_language() or "")[:2]
    titles = [(item.get("titles") or {}).get(language) for item in items]
    return [
        f"{title} ({item['slug']})" if title else None
        for item, title in zip(items, titles, strict=True)
    ]


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Learn & Support")

    def ready(self) -> None:
        from cs_platform.extensions import NavItem, register_nav_item
        from cs_platform.models import Role

        from .plugins import register

        register_nav_item(NavItem("content:index", _("Learn & Support"), 70, Role.VIEWER))
        register()

        from cs_platform.trash.extensions import register_trashable

        from .models import Article, Section

        register_trashable(Section)
        register_trashable(
            Article,
            label=_article_label,
            label_data=_article_label_data,
            label_words=_article_label_words,
        )

        from cs_platform.audit.tracking import audit_track

        from .models import SiteDomain

        # Custom domains: the token and the last check's outcome are not changes of anyone's.
        audit_track(
            SiteDomain,
            name="custom_domain",
            deletes=True,
            exclude=["verification_token", "last_checked_at", "last_check_error"],
        )

    def on_tenant_created(self, tenant: Tenant) -> None:
        from .services import sections_seed_defaults

        sections_seed_defaults()
