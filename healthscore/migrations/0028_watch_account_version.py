"""Account 360's health header and survey panel are kept per account under the account's
version (cs_platform 0012): the intra-day score and the survey answers, which raise no tenant
version, move their account's (the nightly scores, scorecards and alerts raise the data
version). One bump per account a statement writes: an event batch's rescoring adds one row
per account it scored."""

from django.db import migrations

WATCHED = ["healthscore_healthscorenow", "healthscore_surveyresponse"]


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("healthscore", "0027_latest_score_update_in_place"),
    ]

    operations = [
        migrations.RunSQL(
            "".join(f"SELECT junkan_account_version_watch('{t}');\n" for t in WATCHED),
            "".join(f"SELECT junkan_account_version_unwatch('{t}');\n" for t in WATCHED),
        )
    ]
