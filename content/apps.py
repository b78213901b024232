from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cs_platform.models import Tenant


def _article_label(article: Any) -> str:
    titles = sorted(article.translations.all(), key=lambda t: t.language != "ja")
    return f"{titles[0].title} ({article.slug})" if titles else article.slug


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
        register_trashable(Article, label=_article_label)

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
