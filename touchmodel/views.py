"""Staff pages of the touch model. Thin: forms parse, services write, selectors read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Account
from cs_platform.datacache import cached_for_data_version
from cs_platform.decorators import role_required
from cs_platform.forms import model_form_changes
from cs_platform.permissions import can as permission_can
from cs_platform.selectors import staff_member_list
from cs_platform.trash.services import object_trash
from cs_platform.urlutils import safe_next, tenant_reverse

from . import integrations, selectors, services
from .forms import (
    CsmCapacityForm,
    NominationForm,
    RuleForm,
    SeminarForm,
    StaffRegistrationForm,
    TierOverrideForm,
    TierRuleForm,
    TouchProgramForm,
    TouchSettingsForm,
    UserGroupForm,
)
from .models import (
    TRIGGER_PARAMS,
    Attendance,
    ChampionNomination,
    CsmCapacity,
    Rule,
    Seminar,
    SeminarRegistration,
    SenderDomain,
    Tier,
    TierRule,
    TouchProgram,
    UserGroup,
)
from .selectors.community import champion_list, user_group_list, user_group_members


def _form_page(
    request: HttpRequest, form: Any, title: str, back: str, **extra: Any
) -> HttpResponse:
    return render(
        request, "touchmodel/form.html", {"form": form, "title": title, "back": back, **extra}
    )


def _save_form(
    request: HttpRequest,
    form: ModelForm,
    title: str,
    back: str,
    done: str,
    *,
    save: Callable[[dict[str, Any]], Any],
) -> HttpResponse:
    """The form validates; `save` (a named service) writes what it returns."""
    if request.method == "POST" and form.is_valid():
        changes = getattr(form, "changes", None)
        save(changes() if changes is not None else model_form_changes(form))
        messages.success(request, _("Saved."))
        return redirect(done)
    return _form_page(request, form, title, back)


# --- planner ----------------------------------------------------------------------------------


@role_required("program.view")
def planner(request: HttpRequest) -> HttpResponse:
    programs = list(selectors.program_list())
    measured = selectors.program_measured(programs=programs)
    inputs = selectors.capacity_inputs()
    # The capacity section holds nothing of the viewer's: rendered once per data version,
    # language and what `inputs.key` names (CSMs, capacities and names, read every view).
    capacity_html = cached_for_data_version(
        "touchmodel.capacity_html",
        lambda: render_to_string(
            "touchmodel/partials/capacity.html",
            {"capacity": selectors.capacity_overview(inputs=inputs)},
        ),
        key=inputs.key,
    )
    return render(
        request,
        "touchmodel/planner.html",
        {
            # both rendered by our templates (their values escaped there)
            "programs_html": mark_safe(_programs_html(request, programs, measured)),
            "capacity_html": mark_safe(capacity_html),
        },
    )


def _programs_html(
    request: HttpRequest, programs: list[TouchProgram], measured: dict[int, Any]
) -> str:
    """The programmes' chart and table, rendered once per what they show: every field of the
    programmes (read on each view: no version watches them), their measured figures, what
    the viewer may do, the tenant's slug (the links) and, by the cache key, the language."""
    allowed = [permission_can(request, action) for action in ("program.change", "program.create")]
    shown = (
        request.tenant.slug,  # type: ignore[attr-defined]
        [tuple(getattr(p, f.attname) for f in p._meta.concrete_fields) for p in programs],
        [measured[p.pk] for p in programs],
        allowed,
    )
    return cached_for_data_version(
        "touchmodel.programs_html",
        lambda: render_to_string(
            "touchmodel/partials/programs.html",
            {
                "request": request,
                "chart": selectors.planner_chart(programs=[p for p in programs if p.is_active]),
                "programs": [(p, measured[p.pk]) for p in programs],
            },
        ),
        key=hashlib.sha256(repr(shown).encode()).hexdigest()[:32],
    )


@role_required("program.change")
def program_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    program = get_object_or_404(TouchProgram, pk=pk) if pk else None
    form = TouchProgramForm(request.POST or None, instance=program)
    back = tenant_reverse(request, "touchmodel:planner")

    def save(data: dict[str, Any]) -> TouchProgram:
        if program is None:
            return services.touch_program_create(data=data)
        return services.touch_program_update(program=program, data=data)

    return _save_form(request, form, _("Touch program"), back, back, save=save)


@role_required("program.view")
def program_effect(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(TouchProgram, pk=pk)
    return render(
        request,
        "touchmodel/effect.html",
        {"subject": program, "effect": selectors.program_effect(program=program)},
    )


@role_required("touch_settings.change")
def settings_edit(request: HttpRequest) -> HttpResponse:
    settings = services.touch_settings_get()
    form = TouchSettingsForm(request.POST or None, instance=settings, prefix="s")
    users = staff_member_list()
    capacity_form = CsmCapacityForm(request.POST or None, users=users, prefix="c")
    if request.method == "POST":
        if "s-default_tier" in request.POST and form.is_valid():
            services.touch_settings_update(settings=settings, data=model_form_changes(form))
            messages.success(request, _("Saved."))
            return redirect(tenant_reverse(request, "touchmodel:settings"))
        if "c-user" in request.POST and capacity_form.is_valid():
            services.csm_capacity_set(
                user=capacity_form.cleaned_data["user"],
                hours_per_month=capacity_form.cleaned_data["hours_per_month"],
            )
            messages.success(request, _("Saved."))
            return redirect(tenant_reverse(request, "touchmodel:settings"))
    return render(
        request,
        "touchmodel/settings.html",
        {
            "form": form,
            "capacity_form": capacity_form,
            "capacities": CsmCapacity.objects.select_related("user").order_by("user__email"),
            "sender_domains": SenderDomain.objects.all(),
            "sender": services.email_from_effective(email_from=settings.email_from),
        },
    )


@require_POST
@role_required("touch_settings.change")
def sender_domain_add(request: HttpRequest) -> HttpResponse:
    try:
        claimed = services.sender_domain_claim(domain=request.POST.get("domain", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Publish the TXT record shown for %(domain)s, then verify it.")
            % {"domain": claimed.domain},
        )
    return redirect(tenant_reverse(request, "touchmodel:settings"))


@require_POST
@role_required("touch_settings.change")
def sender_domain_verify(request: HttpRequest, pk: int) -> HttpResponse:
    sender_domain = get_object_or_404(SenderDomain, pk=pk)
    try:
        services.sender_domain_verify(sender_domain=sender_domain)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(domain)s is verified.") % {"domain": sender_domain.domain})
    return redirect(tenant_reverse(request, "touchmodel:settings"))


@require_POST
@role_required("touch_settings.change")
def sender_domain_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.sender_domain_delete(sender_domain=get_object_or_404(SenderDomain, pk=pk))
    messages.success(request, _("Removed."))
    return redirect(tenant_reverse(request, "touchmodel:settings"))


# --- tiers ------------------------------------------------------------------------------------


@role_required("tier.view")
def tiers(request: HttpRequest) -> HttpResponse:
    try:
        phases = integrations.phase_names()
    except Exception:
        phases = {}
    return render(
        request,
        "touchmodel/tiers.html",
        {
            "rules": TierRule.objects.select_related("segment"),
            "counts": selectors.tier_counts(),
            "phases": phases,
            "tiers": Tier,
        },
    )


@role_required("tier_rule.change")
def tier_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(TierRule, pk=pk) if pk else None
    form = TierRuleForm(request.POST or None, instance=rule)
    back = tenant_reverse(request, "touchmodel:tiers")

    def save(data: dict[str, Any]) -> TierRule:
        if rule is None:
            return services.tier_rule_create(data=data)
        return services.tier_rule_update(tier_rule=rule, data=data)

    return _save_form(request, form, _("Tier rule"), back, back, save=save)


@require_POST
@role_required("tier_rule.delete")
def tier_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    object_trash(obj=get_object_or_404(TierRule, pk=pk), actor=request.user)
    return redirect(tenant_reverse(request, "touchmodel:tiers"))


@require_POST
@role_required("tier.assign")
def tiers_assign_now(request: HttpRequest) -> HttpResponse:
    result = services.tiers_assign()
    messages.success(
        request,
        _("Tiers assigned: %(n)s accounts, %(c)s changed, %(m)s kept by manual override.")
        % {"n": result.accounts, "c": result.changed, "m": result.kept_manual},
    )
    return redirect(tenant_reverse(request, "touchmodel:tiers"))


@require_POST
@role_required("tier.override")
def account_tier(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=account_id)
    back = safe_next(request, tenant_reverse(request, "touchmodel:tiers"))
    if request.POST.get("clear"):
        services.tier_override_clear(account=account)
        messages.success(request, _("The account follows the tier rules again."))
        return redirect(back)
    form = TierOverrideForm(request.POST)
    if form.is_valid():
        services.tier_override(
            account=account,
            tier=form.cleaned_data["tier"],
            user=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Tier overridden."))
    else:
        messages.error(request, _("Choose a tier and give a reason."))
    return redirect(back)


# --- playbooks --------------------------------------------------------------------------------


@role_required("rule.view")
def rules(request: HttpRequest) -> HttpResponse:
    queryset = selectors.rule_list().annotate(
        fired=Count("firings"),
        failed=Count("firings", filter=Q(firings__status="failed")),
    )
    return render(request, "touchmodel/rules.html", {"rules": queryset})


@role_required("rule.change")
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        rule = (
            services.rule_update(rule=rule, data=changes)
            if rule is not None
            else services.rule_create(data=changes)
        )
        messages.success(request, _("Saved."))
        return redirect(tenant_reverse(request, "touchmodel:rule_detail", pk=rule.pk))
    return _form_page(
        request,
        form,
        _("Playbook rule"),
        tenant_reverse(request, "touchmodel:rules"),
        rule_form=True,
    )


ACTION_WORDS = {
    "task": gettext_lazy("a task for the owner CSM"),
    "seminar": gettext_lazy("an invitation to the next fitting seminar"),
    "email": gettext_lazy("an e-mail with Learn & Support articles"),
}


# Why a firing did nothing, as `touchmodel.services.rules` stores it (`result["reason"]`).
REASON_WORDS = {
    "no action for this tier": gettext_lazy("No action for this tier."),
    "no upcoming seminar with seats for this phase": gettext_lazy(
        "No upcoming seminar with seats for this phase."
    ),
    "no contact to invite": gettext_lazy("No contact to invite."),
    "no contact to e-mail": gettext_lazy("No contact to e-mail."),
}


def _firings_worded(firings: Any) -> list[Any]:
    """The firings with their action and the reason they did nothing in the reader's words,
    not the stored codes."""
    firings = list(firings)
    for firing in firings:
        firing.action_label = ACTION_WORDS.get(firing.action, firing.action)
        reason = (firing.result or {}).get("reason", "")
        firing.reason_label = REASON_WORDS.get(reason, reason)
    return firings


def _rule_settings(rule: Rule) -> list[tuple[str, str]]:
    """(label, value) of each setting the rule's trigger reads, in words (names, not ids)."""
    form = RuleForm(instance=rule)
    rows = []
    for name in TRIGGER_PARAMS.get(rule.trigger, ()):
        value = (rule.params or {}).get(name)
        if value in (None, ""):
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        shown = choices.get(value, choices.get(str(value), value))
        rows.append((str(field.label), str(shown)))
    return rows


@role_required("rule.view")
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.select_related("program", "segment"), pk=pk)
    test_rows = selectors.rule_test(rule=rule) if request.GET.get("test") else None
    tiers = dict(Tier.choices)
    for row in test_rows or []:
        row["tier_label"] = tiers.get(row["tier"], row["tier"])
        row["action_label"] = ACTION_WORDS.get(row["action"], row["action"])
    return render(
        request,
        "touchmodel/rule_detail.html",
        {
            "rule": rule,
            "settings": _rule_settings(rule),
            "tier_names": [tiers[t] for t in rule.tiers or [] if t in tiers],
            "test_rows": test_rows,
            "firings": _firings_worded(selectors.firing_list(rule=rule)[:50]),
            "effect": selectors.rule_effect(rule=rule) if request.GET.get("effect") else None,
        },
    )


@require_POST
@role_required("rule.change")
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    services.rule_set_active(rule=rule, is_active=not rule.is_active)
    return redirect(tenant_reverse(request, "touchmodel:rule_detail", pk=rule.pk))


@require_POST
@role_required("rule.run")
def rule_run(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk, is_active=True)
    fired = services.rule_fire(rule=rule)
    messages.success(request, _("The rule fired for %(n)s accounts.") % {"n": len(fired)})
    return redirect(tenant_reverse(request, "touchmodel:rule_detail", pk=rule.pk))


@role_required("firing.view")
def firings(request: HttpRequest) -> HttpResponse:
    firings = _firings_worded(selectors.firing_list()[:200])
    return render(request, "touchmodel/firings.html", {"firings": firings})


# --- seminars ---------------------------------------------------------------------------------


@role_required("seminar.view")
def seminars(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    queryset = Seminar.objects.annotate(
        registered=Count("registrations", filter=Q(registrations__status="registered")),
        attended=Count("registrations", filter=Q(registrations__attendance="attended")),
    )
    return render(
        request,
        "touchmodel/seminars.html",
        {
            "upcoming": queryset.filter(starts_at__gte=now).order_by("starts_at"),
            "past": queryset.filter(starts_at__lt=now).order_by("-starts_at")[:30],
        },
    )


@role_required("seminar.change")
def seminar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    seminar = get_object_or_404(Seminar, pk=pk) if pk else None
    form = SeminarForm(request.POST or None, instance=seminar)
    back = tenant_reverse(request, "touchmodel:seminars")
    if request.method == "POST" and form.is_valid():
        # Through the service: a changed time or place re-sends the calendar invitations.
        changes = model_form_changes(form)
        if seminar is None:
            services.seminar_create(data=changes)
        else:
            services.seminar_update(seminar=seminar, data=changes)
        messages.success(request, _("Saved."))
        return redirect(back)
    return _form_page(request, form, _("Seminar"), back)


@role_required("seminar.view", write="seminar.register")
def seminar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    seminar = get_object_or_404(Seminar, pk=pk)
    form = StaffRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.cleaned_data["contact"]
        try:
            services.seminar_register(
                seminar=seminar, email=contact.email, name=contact.name, contact=contact
            )
            messages.success(request, _("Registered."))
        except services.SeminarFull:
            messages.error(request, _("The seminar is full."))
        except services.SeminarClosed:
            messages.error(request, _("The seminar has already started."))
        return redirect(tenant_reverse(request, "touchmodel:seminar_detail", pk=seminar.pk))
    registrations = SeminarRegistration.objects.filter(seminar=seminar).select_related(
        "account", "contact"
    )
    return render(
        request,
        "touchmodel/seminar_detail.html",
        {
            "seminar": seminar,
            "registrations": registrations,
            "form": form,
            "attendance": Attendance,
            "public_url": f"/seminars/{request.tenant.slug}/{seminar.pk}/",  # type: ignore[attr-defined]
            "ratings": [r.survey_rating for r in registrations if r.survey_rating],
            "pending_signups": selectors.seminar_signups_pending_count(seminar=seminar),
        },
    )


@require_POST
@role_required("seminar.attendance")
def seminar_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    seminar = get_object_or_404(Seminar, pk=pk)
    attended, missed = [], []
    for key, value in request.POST.items():
        if not (key.startswith("att-") and key[4:].isdigit()):
            continue
        if value == Attendance.ATTENDED:
            attended.append(int(key[4:]))
        elif value == Attendance.MISSED:
            missed.append(int(key[4:]))
    result = services.seminar_attendance_record(
        seminar=seminar,
        attended_ids=attended,
        missed_ids=missed,
        actor=request.user,  # type: ignore[arg-type]
    )
    messages.success(request, _("Attendance recorded for %(n)s people.") % {"n": result.updated})
    return redirect(tenant_reverse(request, "touchmodel:seminar_detail", pk=seminar.pk))


# --- community --------------------------------------------------------------------------------


@role_required("user_group.view")
def community(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "touchmodel/community.html",
        {
            "groups": user_group_list(),
            "nominations": champion_list()[:100],
            "nomination_form": NominationForm(),
        },
    )


@role_required("user_group.change")
def user_group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = get_object_or_404(UserGroup, pk=pk) if pk else None
    form = UserGroupForm(
        request.POST or None,
        instance=group,
        initial={"topics_text": "\n".join(group.topics) if group else ""},
    )
    back = tenant_reverse(request, "touchmodel:community")

    def save(data: dict[str, Any]) -> UserGroup:
        if group is None:
            return services.user_group_create(data=data)
        return services.user_group_update(group=group, data=data)

    return _save_form(request, form, _("User group"), back, back, save=save)


@role_required("user_group.view", write="user_group.add_member")
def user_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(UserGroup, pk=pk)
    form = StaffRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_group_add_member(group=group, contact=form.cleaned_data["contact"])
        return redirect(tenant_reverse(request, "touchmodel:user_group_detail", pk=group.pk))
    return render(
        request,
        "touchmodel/user_group_detail.html",
        {
            "group": group,
            "members": user_group_members(group=group),
            "meetings": group.meetings.order_by("-starts_at")[:20],
            "form": form,
        },
    )


@require_POST
@role_required("champion.create")
def champion_nominate(request: HttpRequest) -> HttpResponse:
    form = NominationForm(request.POST)
    if form.is_valid():
        services.champion_nominate(
            contact=form.cleaned_data["contact"],
            criterion=form.cleaned_data["criterion"],
            reason=form.cleaned_data["reason"],
            nominated_by=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, _("Nominated."))
    else:
        messages.error(request, _("Choose a contact and a criterion."))
    return redirect(tenant_reverse(request, "touchmodel:community"))


@require_POST
@role_required("champion.award")
def champion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = get_object_or_404(ChampionNomination, pk=pk)
    if request.POST.get("decision") == "award":
        services.champion_award(
            nomination=nomination, award_title=request.POST.get("award_title", "")
        )
        messages.success(request, _("Champion awarded."))
    else:
        services.champion_decline(nomination=nomination)
    return redirect(tenant_reverse(request, "touchmodel:community"))
