"""The role each touchmodel action needs: one map for the pages and the API
(cs_platform.permissions). Planning (programs, seminars, groups, awards) is a CS manager's job,
running it (registering people, attendance, nominating) every CSM's.

Playbooks are planning too: in the seeds the low- and tech-touch measures are designed by their
programme owners (施策オーナー), the CS managers who plan the touch model, and a playbook is how a
programme reaches its accounts. So CS managers write, switch and run playbook rules; the tier
rules and the bulk reassignment (which accounts get how much human time) stay with admins."""

from cs_platform.models import Role

ROLES: dict[str, str] = {
    "program.view": Role.VIEWER,
    "program.create": Role.CS_MANAGER,
    "program.change": Role.CS_MANAGER,
    "program.delete": Role.CS_MANAGER,
    "touch_settings.change": Role.ADMIN,
    "tier.view": Role.VIEWER,
    "tier.override": Role.CS_MANAGER,
    "tier.assign": Role.ADMIN,
    "tier_rule.view": Role.ADMIN,
    "tier_rule.create": Role.ADMIN,
    "tier_rule.change": Role.ADMIN,
    "tier_rule.delete": Role.ADMIN,
    "rule.view": Role.VIEWER,
    "rule.create": Role.CS_MANAGER,
    "rule.change": Role.CS_MANAGER,
    "rule.delete": Role.CS_MANAGER,
    "rule.run": Role.CS_MANAGER,
    "firing.view": Role.VIEWER,
    "seminar.view": Role.VIEWER,
    "seminar.create": Role.CS_MANAGER,
    "seminar.change": Role.CS_MANAGER,
    "seminar.delete": Role.CS_MANAGER,
    "seminar.register": Role.CSM,
    "seminar.attendance": Role.CSM,
    "user_group.view": Role.VIEWER,
    "user_group.create": Role.CS_MANAGER,
    "user_group.change": Role.CS_MANAGER,
    "user_group.delete": Role.CS_MANAGER,
    "user_group.add_member": Role.CSM,
    "champion.view": Role.VIEWER,
    "champion.create": Role.CSM,
    "champion.change": Role.CS_MANAGER,
    "champion.delete": Role.CS_MANAGER,
    "champion.award": Role.CS_MANAGER,
    "email.view": Role.VIEWER,
    "email.bounce": Role.CSM,
}
