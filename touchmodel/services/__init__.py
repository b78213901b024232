"""Writes of touchmodel."""

from .community import (
    champion_award,
    champion_decline,
    champion_nominate,
    user_group_add_member,
    user_group_remove_member,
)
from .email import (
    EmailTemporaryFailure,
    email_bounce_record,
    email_opt_out,
    email_queue,
    email_send,
)
from .invitations import meeting_invitations_send, seminar_cancel_notify, seminar_save
from .programs import (
    champion_nomination_update,
    rule_create,
    rule_update,
    seminar_create,
    seminar_update,
    tier_rule_create,
    tier_rule_update,
    touch_program_create,
    touch_program_update,
    user_group_create,
    user_group_update,
)
from .rules import firing_act, rule_fire, rules_evaluate
from .seminars import (
    SeminarClosed,
    SeminarFull,
    seminar_attendance_record,
    seminar_cancel,
    seminar_invite,
    seminar_next_fitting,
    seminar_register,
    seminar_survey_submit,
)
from .senders import (
    email_from_effective,
    sender_domain_claim,
    sender_domain_delete,
    sender_domain_verify,
)
from .tiers import tier_override, tier_override_clear, tiers_assign, touch_settings_get

__all__ = [
    "EmailTemporaryFailure",
    "SeminarClosed",
    "SeminarFull",
    "champion_award",
    "champion_decline",
    "champion_nominate",
    "champion_nomination_update",
    "email_bounce_record",
    "email_from_effective",
    "email_opt_out",
    "email_queue",
    "email_send",
    "firing_act",
    "meeting_invitations_send",
    "rule_create",
    "rule_fire",
    "rule_update",
    "rules_evaluate",
    "seminar_attendance_record",
    "seminar_cancel",
    "seminar_cancel_notify",
    "seminar_create",
    "seminar_invite",
    "seminar_next_fitting",
    "seminar_register",
    "seminar_save",
    "seminar_survey_submit",
    "seminar_update",
    "sender_domain_claim",
    "sender_domain_delete",
    "sender_domain_verify",
    "tier_override",
    "tier_override_clear",
    "tier_rule_create",
    "tier_rule_update",
    "tiers_assign",
    "touch_program_create",
    "touch_program_update",
    "touch_settings_get",
    "user_group_add_member",
    "user_group_create",
    "user_group_remove_member",
    "user_group_update",
]
