"""The role each content action needs: one map for pages and API (cs_platform.permissions)."""

from cs_platform.models import Role

ROLES: dict[str, str] = {
    "article.view": Role.VIEWER,
    "article.create": Role.CSM,
    "article.change": Role.CSM,
    "article.delete": Role.CSM,
    "article.publish": Role.CSM,
    "article.archive": Role.CSM,
    "article_view.view": Role.VIEWER,
    "section.view": Role.VIEWER,
    "section.create": Role.CSM,
    "section.change": Role.CSM,
    "section.delete": Role.CSM,
    "question.view": Role.VIEWER,
    # Anonymous readers' "not helpful" answers and comments wait for a CSM's review.
    "feedback.review": Role.CSM,
    "feedback.moderate": Role.CSM,
    # The public site's domains: DNS and certificates are an admin's.
    "domain.view": Role.ADMIN,
    "domain.create": Role.ADMIN,
    "domain.verify": Role.ADMIN,
    "domain.primary": Role.ADMIN,
    "domain.delete": Role.ADMIN,
}
