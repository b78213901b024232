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
    "email_bounce_record",
    "email_from_effective",
    "email_opt_out",
    "email_queue",
    "email_send",
    "firing_act",
    "meeting_invitations_send",
    "rule_fire",
    "rules_evaluate",
    "seminar_attendance_record",
    "seminar_cancel",
    "seminar_cancel_notify",
    "seminar_invite",
    "seminar_next_fitting",
    "seminar_register",
    "seminar_save",
    "seminar_survey_submit",
    "sender_domain_claim",
    "sender_domain_delete",
    "sender_domain_verify",
    "tier_override",
    "tier_override_clear",
    "tiers_assign",
    "touch_settings_get",
    "user_group_add_member",
    "user_group_remove_member",
]
