"""Learn & Support's home blocks, sections and articles are cached under the tenant's data
version (`cs_platform.datacache`): a write to the sections, articles or their translations
raises it. Article views and feedback are not watched: reading does not clear the cache."""

from django.db import migrations

WATCHED = ["content_section", "content_article", "content_articletranslation"]
WATCH = "".join(
    f"SELECT junkan_data_version_watch('{t}');\n"
    + "".join(
        f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER junkan_data_version_{op};\n"
        for op in ("insert", "update", "delete")
    )
    for t in WATCHED
)
UNWATCH = "".join(f"SELECT junkan_data_version_unwatch('{t}');\n" for t in WATCHED)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0008_data_version_bumps"),
        ("content", "0004_feedback_moderation"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
