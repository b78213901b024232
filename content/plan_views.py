"""The customer's success plan on Learn & Support, and its preview for the CSM.

`/learn/<slug>/plan/` (`/plan/` on the tenant's custom domain) shows a signed-in reader the
success plan of their own account: the journey (its phases, the account's current one), the
milestones with their target score and date, and the action plan, as far as the CSM shared
them (journeys decides what is shared and who may write: `journeys.services.success_plan`).
Readers sign in with the Learn & Support magic link; an anonymous visitor is sent to the
sign-in page and comes back here once signed in.

Writes (tick, untick, comment a step a customer contact owns) are plain forms that also work
through htmx, which then swaps only the step. A step the reader cannot see (another account's,
another tenant's, not shared) is a 404; one they see but may not change (owned by staff) a
403; too many writes a 429; an empty comment a 400; each answer says why.

The preview (`/t/<slug>/content/plan/<account>/preview/`) renders the same page for staff in
their own language, with the forms shown but disabled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Account, Contact
from accounts.selectors import account_get, contact_get
from cs_platform.decorators import role_required
from journeys import selectors as journey_selectors
from journeys import services as journey_services

from . import services
from .public_views import _render, _url, public_page
from .services.plan import success_plan_write_allowed

# Set when an anonymous reader asks for the plan: the magic link then leads back to it.
AFTER_SIGN_IN_KEY = "content_after_sign_in"


def _contact(request: HttpRequest) -> Contact | None:
    """The signed-in reader's contact as it is now (its account read from the database)."""
    identity = services.reader_from_session(session=request.session)
    if identity is None:
        return None
    return contact_get(pk=identity.contact_id)


def _plan_context(*, account: Account, writable: bool, preview: bool = False) -> dict[str, Any]:
    journey_map = journey_selectors.success_plan_for_account(account_id=account.pk)
    current = journey_selectors.phase_current_for_account(account=account)
    return {
        "account": account,
        "journey_map": journey_map,
        "milestones": list(journey_map.plan_milestones) if journey_map else [],
        "phases": journey_selectors.phase_list(),
        "current_phase": current.phase if current else None,
        "writable": writable,
        "preview": preview,
    }


def _plan_page(
    request: HttpRequest, contact: Contact, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = _plan_context(account=contact.account, writable=True)
    context["error"] = error
    return _render(request, "content/public/plan.html", context, status=status)


@public_page
def plan(request: HttpRequest) -> HttpResponse:
    contact = _contact(request)
    if contact is None:
        request.session[AFTER_SIGN_IN_KEY] = "plan"
        return redirect(_url(request, "signin"))
    return _plan_page(request, contact)


def _answer(
    request: HttpRequest, contact: Contact, step_id: int, *, error: str = "", status: int = 200
) -> HttpResponse:
    if request.headers.get("HX-Request"):
        step = journey_selectors.success_plan_step_get(
            step_id=step_id, account_id=contact.account_id
        )
        context = {"step": step, "writable": True, "error": error}
        return render(request, "content/public/_plan_step.html", context, status=status)
    if error:
        return _plan_page(request, contact, error=error, status=status)
    return redirect(f"{_url(request, 'plan')}#step-{step_id}")


def _step_write(
    request: HttpRequest, step_id: int, write: Callable[[Any, Contact], object]
) -> HttpResponse:
    contact = _contact(request)
    if contact is None:
        return redirect(_url(request, "signin"))
    step = journey_selectors.success_plan_step_get(step_id=step_id, account_id=contact.account_id)
    if step is None:
        raise Http404
    if not journey_services.step_writable_by(step, contact):
        error = _("Only the steps your team owns can be ticked or commented here.")
        return _answer(request, contact, step_id, error=error, status=403)
    if not success_plan_write_allowed(contact_id=contact.pk):
        error = _("Too many changes in a short time. Please wait a few minutes and try again.")
        return _answer(request, contact, step_id, error=error, status=429)
    try:
        write(step, contact)
    except ValidationError as exc:
        return _answer(request, contact, step_id, error=" ".join(exc.messages), status=400)
    except PermissionDenied as exc:
        return _answer(request, contact, step_id, error=str(exc), status=403)
    return _answer(request, contact, step_id)


@require_POST
@public_page
def plan_step_done(request: HttpRequest, step_id: int) -> HttpResponse:
    done = request.POST.get("done")

    def write(step: Any, contact: Contact) -> object:
        if done not in ("0", "1"):
            raise ValidationError(_("Say whether the step is done: done=1 or done=0."))
        return journey_services.action_step_customer_set_done(
            step=step, contact=contact, done=done == "1"
        )

    return _step_write(request, step_id, write)


@require_POST
@public_page
def plan_step_comment(request: HttpRequest, step_id: int) -> HttpResponse:
    body = request.POST.get("body", "")

    def write(step: Any, contact: Contact) -> object:
        return journey_services.action_step_customer_comment(step=step, contact=contact, body=body)

    return _step_write(request, step_id, write)


@role_required("journey_map.view")
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the account's contacts see on their success plan, for staff (forms disabled)."""
    account = account_get(pk=pk)
    if account is None:
        raise Http404
    request.reader_language = (get_language() or "ja")[:2]  # type: ignore[attr-defined]
    context = _plan_context(account=account, writable=False, preview=True)
    return _render(request, "content/public/plan.html", context)
