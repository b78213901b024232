"""Account pages: list, Account 360, forms, segments, CSV import and export. Thin views."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cs_platform.datacache import (
    account_cache_key,
    account_cache_key_prefix,
    cache_writes_together,
    data_cache_read_ahead,
    keep_many,
    kept_many,
    page_cached,
)
from cs_platform.decorators import role_required
from cs_platform.keyset import CursorError, keyset_ids, keyset_page
from cs_platform.pagecache import html_kept, page_csrf_token
from cs_platform.permissions import can, required_role
from cs_platform.scoping import require_current_tenant
from cs_platform.urlutils import tenant_reverse

from . import relations_html, services
from .extensions import (
    SCORES_READ,
    AccountPanel,
    account_panel_key,
    account_panels,
    bulk_actions,
    list_extensions,
)
from .forms import (
    AccountForm,
    AccountListQuery,
    ContactForm,
    ContractEditForm,
    ContractExpandForm,
    ContractForm,
    ContractRenewForm,
    ImportForm,
    SegmentForm,
    account_list_query,
    list_extension_values,
    list_filter_labels,
)
from .importing import SPECS, export_csv
from .importing.export import ENCODINGS
from .importing.jobs import import_job_create, import_job_progress, import_job_rerun
from .listing import (
    bulk_form_html,
    filter_fields_html,
    list_rows_html,
    list_rows_kept,
    options_html,
    table_head_html,
)
from .models import Account, Contact, Contract, SavedView, Segment
from .selectors import (
    SearchSeek,
    account_coverage,
    account_filter,
    account_for_page,
    account_for_page_read,
    account_get,
    account_page_read,
    account_search_seek,
    contacts_of,
    import_job_list,
    list_page_reads,
    list_sort_groups,
    saved_view_list,
    segment_accounts,
    segment_list,
)

PAGE_SIZE = 50
ROW_MARK = 987654321  # an id no path part else reads as
# The list's filter fields before the extensions' (the form's order).
LIST_FILTERS = ["owner", "market_segment", "lifecycle_status", "segment", "renewal"]


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> Any:
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return query


# --- accounts ---------------------------------------------------------------------------------


def _list_filters(query: AccountListQuery, *, ordered: bool = True) -> dict[str, Any]:
    """`account_filter`'s arguments for a parsed account-list query (not `ordered`: the
    accounts only, in no order)."""
    if query.cleaned is None:
        return {}
    data = query.cleaned
    renewal_before = None
    if data["renewal"]:
        renewal_before = timezone.localdate() + dt.timedelta(days=int(data["renewal"]))
    return {
        "q": data["q"],
        "owner_id": data["owner"],
        "market_segment": data["market_segment"],
        "lifecycle_status": data["lifecycle_status"],
        "segment": data["segment"],
        "renewal_after": timezone.localdate() if renewal_before else None,
        "renewal_before": renewal_before,
        "extensions": list_extension_values(data),
        "ordering": data["sort"] if ordered else "",
    }


def _list_query(params: QueryDict, *, ordered: bool = True) -> tuple[AccountListQuery, Any]:
    """The parsed query and the filtered, sorted queryset of an account-list query string
    (not `ordered`: the accounts only, in no order)."""
    query = account_list_query(params)
    return query, account_filter(**_list_filters(query, ordered=ordered))


def _row_url(request: HttpRequest) -> Callable[[int], str]:
    """The list's link to an account's page by its id: one reverse() for the page, each
    row's link the same path around its id."""
    prefix, _mark, suffix = tenant_reverse(request, "accounts:detail", pk=ROW_MARK).rpartition(
        str(ROW_MARK)
    )
    return lambda pk: f"{prefix}{pk}{suffix}"


# The name the list's page ids are kept under (`_page_kept`).
PAGE_KEPT = "accounts.list_page"


def _page_key(request: HttpRequest) -> str:
    """What a list page's kept ids are keyed by besides the data version: its query and the
    date (the renewal window)."""
    state = f"{PAGE_SIZE}:{timezone.localdate()}:{sorted(request.GET.lists())}"
    return hashlib.sha256(state.encode()).hexdigest()


def _page_kept(request: HttpRequest, data: dict[str, Any] | None) -> Any:
    """Keeps a list page's ids and sort values under the tenant's data version (issue #16: a
    search reads its matches and sorts them; the same view again reads its 50 rows only).

    Everything else the page's order and filters read is watched by the data version (the
    accounts with their kept keys, the phases, the touch settings, the scores), except the
    owners' names (the owner sort) and the segments' rules: those views are read each time.
    The date is in the key for the renewal window."""
    if data is None or data["segment"] is not None or data["sort"].lstrip("-") == "owner":
        return None
    key = _page_key(request)
    return lambda compute: page_cached(PAGE_KEPT, compute, key=key)


def _search_seek(data: dict[str, Any] | None) -> SearchSeek | None:
    """A search with no other filter, by name or by similarity: its page from the name grams
    alone, with its rows (`account_search_seek`)."""
    if data is None:
        return None
    if any(value for key, value in data.items() if key not in ("q", "sort")):
        return None
    return account_search_seek(q=data["q"], ordering=data["sort"], rows=True)


@role_required("account.view")
def account_list(request: HttpRequest) -> HttpResponse:
    # Its cache writes (a first view's page ids, rows, a search's grams) in one round trip,
    # once the response is sent.
    with cache_writes_together(after_response=True):
        return _account_list(request)


def _account_list(request: HttpRequest) -> HttpResponse:
    # The page's kept ids and its extensions' kept values (phases, tiers, playbooks), read
    # in one round trip.
    data_cache_read_ahead("accounts.list", (PAGE_KEPT, _page_key(request)))
    saved_views = list_page_reads(user=request.user)  # type: ignore[arg-type]
    query = account_list_query(request.GET)
    data = query.cleaned
    # Built only when the page's ids are read (not kept): `fill_later`, the page fills its
    # columns (see `account_filter`).
    queryset = functools.partial(account_filter, **_list_filters(query), fill_later=True)
    columns = [ext for ext in list_extensions() if ext.annotate is not None]
    actions = [(a, options_html(a.choices())) for a in bulk_actions() if can(request, a.permission)]
    seek = _search_seek(data)
    rows = functools.partial(
        list_rows_kept,
        columns=columns,
        url=_row_url(request),
        selectable=bool(actions),
        currency=request.tenant.currency,  # type: ignore[attr-defined]
        known=None if seek is None else seek.rows,  # read with the search's page
    )
    # Keyset pages: no COUNT(*) and no OFFSET over the tenant's accounts on every view.
    try:
        page = keyset_page(
            queryset,
            size=PAGE_SIZE,
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
            # Two steps: the page's ids from the sort's index (and the search), then its rows.
            rows=rows,
            groups=list_sort_groups(data["sort"]) if data is not None else None,
            kept=_page_kept(request, data),
            seek=seek,
        )
    except CursorError:
        return render(
            request,
            "400.html",
            {"messages_refused": [_("This page link is broken: start again from the first page.")]},
            status=400,
        )
    extensions = [name for name in query.choices if name.startswith("x_")]
    filters = filter_fields_html(query, [*LIST_FILTERS, *extensions, "sort"])
    links = _query_without_page(request)
    query_string = links.urlencode()
    csrf_token = page_csrf_token(request)
    return render(
        request,
        "accounts/account_list.html",
        {
            "form": query.form,  # only for its errors
            "q_label": list_filter_labels()["q"],
            "q_value": request.GET.get("q") if request.GET else None,
            "filters": filters,
            "extension_filters": [filters[name] for name in extensions],
            "page": page,
            "rows_html": list_rows_html(page.rows, columns),
            "columns": columns,
            "query": links,
            "query_string": query_string,
            "table_head": table_head_html(links, columns, selectable=bool(actions)),
            "can_edit": can(request, "account.create"),
            "can_export": can(request, "account.export"),
            "saved_views": saved_views,
            "can_share": can(request, "saved_view.share"),
            "bulk_form": bulk_form_html(
                actions,
                url=tenant_reverse(request, "accounts:bulk"),
                query=query_string,
                csrf_token=csrf_token,
            ),
            # One token for the page's forms, the bulk form's (written above) included.
            "csrf_token": csrf_token,
        },
    )


@require_POST
@role_required("saved_view.create")
def saved_view_save(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    shared = request.POST.get("shared") == "on" and can(request, "saved_view.share")
    try:
        view = services.saved_view_save(
            owner=request.user,  # type: ignore[arg-type]
            name=request.POST.get("name", ""),
            query=query,
            shared=shared,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{tenant_reverse(request, 'accounts:list')}?{query}")
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{tenant_reverse(request, 'accounts:list')}?{view.query}")


@require_POST
@role_required("saved_view.share")
def saved_view_share(request: HttpRequest, pk: int) -> HttpResponse:
    """Share one of your views with the team, or stop sharing it (CS managers)."""
    view = SavedView.objects.filter(pk=pk, owner=request.user).first()
    if view is None:
        raise Http404
    services.saved_view_set_shared(view=view, shared=request.POST.get("shared") == "on")
    return redirect(f"{tenant_reverse(request, 'accounts:list')}?{view.query}")


@require_POST
@role_required("saved_view.delete")
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = saved_view_list(user=request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if view is None:
        raise Http404
    if view.owner_id != request.user.pk and not can(request, "saved_view.share"):
        raise PermissionDenied
    services.saved_view_delete(view=view, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(tenant_reverse(request, "accounts:list"))


@require_POST
@role_required("account.change")
def account_bulk(request: HttpRequest) -> HttpResponse:
    """A bulk action over the ticked accounts, or over every account of the current view:
    first a confirmation that says how many, then the change (set-based)."""
    query = request.POST.get("query", "")
    back = f"{tenant_reverse(request, 'accounts:list')}?{query}"
    action = next((a for a in bulk_actions() if a.key == request.POST.get("action")), None)
    if action is None:
        messages.error(request, _("Choose what to do with the accounts."))
        return redirect(back)
    if not can(request, action.permission):
        request.permission_needed = (  # type: ignore[attr-defined]
            action.permission,
            required_role(action.permission),
        )
        raise PermissionDenied
    value = request.POST.get(f"value_{action.key}", "") or request.POST.get("value", "")
    labels = dict(action.choices())
    if value not in labels:
        messages.error(request, _("Choose the %(what)s.") % {"what": action.value_label})
        return redirect(back)
    everything = request.POST.get("scope") == "all"
    if everything:
        # The view's accounts: what they are, not their order (no sort over all of them).
        _form, accounts = _list_query(QueryDict(query), ordered=False)
    else:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        accounts = Account.objects.filter(pk__in=ids)
    count = accounts.count()
    if count == 0:
        messages.error(request, _("Tick the accounts to change first."))
        return redirect(back)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "accounts/bulk_confirm.html",
            {
                "action": action,
                "value": value,
                "value_label": labels[value],
                "count": count,
                "everything": everything,
                "ids": request.POST.getlist("ids"),
                "query": query,
            },
        )
    try:
        with transaction.atomic():
            changed = action.apply(accounts.order_by(), value, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(action.done) % {"n": changed, "value": labels[value]})
    return redirect(back)


def _account_or_404(pk: int) -> Account:
    account = account_get(pk=pk)
    if account is None:
        raise Http404
    return account


def _relations_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    # Read with the account in one call when the page read it, else now (its contacts too).
    page = account_page_read(pk=account.pk)
    contracts = list(reversed(page.contracts)) if page is not None else []
    coverage = account_coverage(account=account)
    contacts = contacts_of(account=account)
    edit, delete = can(request, "account.change"), can(request, "contact.delete")
    return {
        "account": account,
        "coverage": coverage,
        "coverage_html": relations_html.coverage_html(coverage),
        "contact_rows": relations_html.contact_rows_html(
            request, contacts, can_edit=edit, can_delete=delete
        ),
        "contract_rows": relations_html.contract_rows_html(
            request, contracts, can_edit=edit, can_delete=delete
        ),
        "can_edit": edit,
    }


# The page's own contacts and contracts (both move the account's version), kept as the
# other apps' panels are.
RELATIONS = AccountPanel(
    "accounts_relations",
    "accounts/_relations.html",
    _relations_context,
    cache_key=account_panel_key,
)


Slots = dict[str, list[AccountPanel]]


def _panel_keys(
    request: HttpRequest, account: Account
) -> tuple[Slots, dict[str, str], dict[str, str]]:
    """Each slot's panels (and the page's own, `relations`), and the key each kept panel's
    HTML goes under: the account, the member's role, the page's address and what the panel's
    `cache_key` names, under the account's version (not the data version: an edit of another
    account keeps them; `datacache.account_cache_key`; a panel that shows scores its score
    version too, so a rescore keeps the others) and the language. Then, for each panel that
    shows scores, its key without the score version: where it is kept when its context read
    no score (`SCORES_READ`), until the account's version moves (what would make the panel
    show a score, a milestone, moves it)."""
    slots = {"relations": [RELATIONS]}
    slots.update((slot, account_panels(slot)) for slot in ("header", "main", "side"))
    role = getattr(getattr(request, "membership", None), "role", "")
    place = f"{account.pk}:{role}:{request.get_full_path()}"
    # As `account_cache_key(account.pk, f"accounts.panel.{p.key}", …, scores=p.scores)`, its
    # prefixes made once; a `cache_key` several panels share (`account_panel_key`) is asked once.
    prefixes = {
        scores: account_cache_key_prefix(account.pk, scores=scores) for scores in (False, True)
    }
    named: dict[Callable[[HttpRequest, Account], str], str] = {}
    keys, unscored = {}, {}
    for panels in slots.values():
        for p in panels:
            if p.cache_key is None:
                continue
            if p.cache_key not in named:
                named[p.cache_key] = p.cache_key(request, account)
            rest = f"accounts.panel.{p.key}:{place}:{named[p.cache_key]}"
            keys[p.key] = prefixes[p.scores] + rest
            if p.scores:
                unscored[p.key] = prefixes[False] + rest
    return slots, keys, unscored


def _content_key(account: Account, slots: Slots, keys: dict[str, str]) -> str | None:
    """The key the page's content (its panels and what is around them) is kept under: a
    digest of every panel's key, which names all they show, and the workspace's currency
    (the header's ARR); None when a panel is not kept."""
    if len(keys) < sum(len(panels) for panels in slots.values()):
        return None
    parts = [*sorted(keys.values()), require_current_tenant().currency]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return account_cache_key(account.pk, "accounts.detail.content", digest)


def _panels(
    request: HttpRequest,
    account: Account,
    slots: Slots,
    keys: dict[str, str],
    unscored: dict[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """Each slot's panels: a kept panel's HTML (`html`), else its context and, for a panel
    that is kept, the key its HTML goes under once the page renders it (`keep`).

    A kept panel is read with the others in one cache round trip; its context (the queries
    and Python behind it) is built only when it is not there, and the reads the panels to
    build announce are sent in one statement. A panel that shows scores is also looked for
    under its key without the score version (`unscored`)."""
    kept = kept_many([*keys.values(), *unscored.values()])
    found = {
        p.key: next((k for k in (unscored.get(p.key), keys.get(p.key)) if k in kept), None)
        for panels in slots.values()
        for p in panels
    }
    # The reads of the panels to build, sent together (`cs_platform.leancalls`).
    for panels in slots.values():
        for p in panels:
            if found[p.key] is None and p.read_ahead is not None:
                p.read_ahead(request, account)
    out: dict[str, list[dict[str, Any]]] = {}
    for slot, panels in slots.items():
        out[slot] = []
        for p in panels:
            if (kept_key := found[p.key]) is not None:
                out[slot].append({"key": p.key, "html": html_kept(request, kept[kept_key])})
                continue
            key = keys.get(p.key)
            context = p.get_context(request, account)
            if p.key in unscored and context.get(SCORES_READ) is False:
                key = unscored[p.key]
            out[slot].append(
                {"key": p.key, "template": p.template, "context": context, "keep": key}
            )
    return out


@role_required("account.view")
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Its cache writes (the account's read, the kept content and panels) in one round trip,
    # once the response is sent.
    with cache_writes_together(after_response=True):
        return _account_360(request, pk)


def _account_360(request: HttpRequest, pk: int) -> HttpResponse:
    # Asked first, the account's version is read in the statement that reads the tenant's;
    # then the account (kept under both) and the values the page's latest view read from the
    # cache, in one round trip.
    data_cache_read_ahead("accounts.detail", account_for_page_read(pk=pk))
    account = account_for_page(pk=pk)
    if account is None:
        raise Http404
    slots, keys, unscored = _panel_keys(request, account)
    content_key = _content_key(account, slots, keys)
    kept = kept_many([content_key]) if content_key is not None else {}
    if content_key in kept:  # every panel and what is around them, as the page rendered them
        content = {"key": "content", "html": html_kept(request, kept[content_key])}
        panels: dict[str, list[dict[str, Any]]] = {slot: [] for slot in slots}
    else:
        content = {"key": "content", "template": "accounts/_detail.html", "context": {}}
        content["keep"] = content_key
        panels = _panels(request, account, slots, keys, unscored)
    response = render(
        request,
        "accounts/account_detail.html",
        {
            # One token for the page, so kept panels can leave it out (cs_platform.pagecache).
            "csrf_token": page_csrf_token(request),
            "account": account,
            "content": content,
            "relations": panels["relations"][0] if panels["relations"] else None,
            "header_panels": panels["header"],
            "main_panels": panels["main"],
            "side_panels": panels["side"],
            "can_edit": can(request, "account.change"),
        },
    )
    # The panels rendered now that are kept (accounts_tags.account_panel), with the others.
    parts = [content, *(p for ps in panels.values() for p in ps)]
    to_keep = {p["keep"]: p["to_keep"] for p in parts if "to_keep" in p}
    if to_keep:
        keep_many(to_keep)
    return response


def _save_form(form: Any, write: Any) -> Any:
    """Call a service with the form's data; its ValidationError becomes form errors."""
    try:
        return write(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@role_required("account.create")
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = _save_form(form, lambda data: services.account_create(**data))
        if account is not None:
            messages.success(request, _("The account %(name)s was created.") % {"name": account})
            return redirect(tenant_reverse(request, "accounts:detail", pk=account.pk))
    return render(request, "accounts/account_form.html", {"form": form, "account": None})


@role_required("account.change")
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    form = AccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        # The ModelForm already copied the data onto `account`; the service validates and saves.
        saved = _save_form(
            form, lambda data: services.account_update(account=Account.objects.get(pk=pk), **data)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(tenant_reverse(request, "accounts:detail", pk=pk))
    return render(request, "accounts/account_form.html", {"form": form, "account": account})


@role_required("contact.create")
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = _save_form(form, lambda data: services.contact_create(account=account, **data))
        if contact is not None:
            messages.success(request, _("The contact %(name)s was added.") % {"name": contact})
            return redirect(tenant_reverse(request, "accounts:detail", pk=pk))
    return render(
        request,
        "accounts/simple_form.html",
        {"form": form, "account": account, "title": _("Add a contact")},
    )


@role_required("contract.create")
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_or_404(pk)
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contract = _save_form(form, lambda data: services.contract_create(account=account, **data))
        if contract is not None:
            messages.success(request, _("The contract was added."))
            return redirect(tenant_reverse(request, "accounts:detail", pk=pk))
    return render(
        request,
        "accounts/simple_form.html",
        {"form": form, "account": account, "title": _("Add a contract")},
    )


def _contact_or_404(pk: int) -> Contact:
    contact = Contact.objects.select_related("account").filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


@role_required("contact.change")
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        # The ModelForm already copied the data onto `contact`; the service saves a fresh copy.
        saved = _save_form(
            form,
            lambda data: services.contact_update(contact=Contact.objects.get(pk=pk), **data),
        )
        if saved is not None:
            messages.success(request, _("The contact %(name)s was saved.") % {"name": saved})
            return redirect(tenant_reverse(request, "accounts:detail", pk=contact.account_id))
    return render(
        request,
        "accounts/simple_form.html",
        {"form": form, "account": contact.account, "title": _("Edit the contact")},
    )


def _confirm_delete(request: HttpRequest, obj: Any, account: Account, title: str) -> HttpResponse:
    return render(
        request, "accounts/confirm_delete.html", {"object": obj, "account": account, "title": title}
    )


@role_required("contact.delete")
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(pk)
    if request.method != "POST":
        return _confirm_delete(request, contact, contact.account, _("Delete the contact"))
    services.contact_delete(contact=contact, actor=request.user)
    messages.success(request, _("The contact %(name)s was deleted.") % {"name": contact.name})
    return redirect(tenant_reverse(request, "accounts:detail", pk=contact.account_id))


def _contract_or_404(pk: int) -> Contract:
    contract = Contract.objects.select_related("account").filter(pk=pk).first()
    if contract is None:
        raise Http404
    return contract


@role_required("contract.change")
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract_or_404(pk)
    form = ContractEditForm(request.POST or None, instance=contract)
    if request.method == "POST" and form.is_valid():
        saved = _save_form(
            form,
            lambda data: services.contract_update(contract=Contract.objects.get(pk=pk), **data),
        )
        if saved is not None:
            messages.success(request, _("The contract was saved."))
            return redirect(tenant_reverse(request, "accounts:detail", pk=contract.account_id))
    return render(
        request,
        "accounts/simple_form.html",
        {"form": form, "account": contract.account, "title": _("Edit the contract")},
    )


@role_required("contract.delete")
def contract_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract_or_404(pk)
    if request.method != "POST":
        return _confirm_delete(request, contract, contract.account, _("Delete the contract"))
    services.contract_delete(contract=contract, actor=request.user)
    messages.success(request, _("The contract was deleted."))
    return redirect(tenant_reverse(request, "accounts:detail", pk=contract.account_id))


def _contract_action(request: HttpRequest, pk: int, form_class: Any, write: Any) -> HttpResponse:
    contract = _contract_or_404(pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            write(contract, data)
            messages.success(request, _("The contract history was updated."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(tenant_reverse(request, "accounts:detail", pk=contract.account_id))


@require_POST
@role_required("contract.renew")
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    return _contract_action(
        request, pk, ContractRenewForm, lambda c, d: services.contract_renew(contract=c, **d)
    )


@require_POST
@role_required("contract.expand")
def contract_expand(request: HttpRequest, pk: int) -> HttpResponse:
    return _contract_action(
        request, pk, ContractExpandForm, lambda c, d: services.contract_expand(contract=c, **d)
    )


# --- segments ---------------------------------------------------------------------------------


@role_required("segment.view", write="segment.create")
def segments(request: HttpRequest) -> HttpResponse:
    can_edit = can(request, "segment.create")
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        segment = _save_form(
            form,
            lambda data: services.segment_create(
                name=data["name"],
                description=data["description"],
                rules=form.rules(),
                created_by=request.user,
            ),
        )
        if segment is not None:
            messages.success(request, _("The segment %(name)s was saved.") % {"name": segment})
            return redirect(tenant_reverse(request, "accounts:segment_detail", pk=segment.pk))
    return render(
        request,
        "accounts/segments.html",
        {"segments": segment_list(), "form": form, "can_edit": can_edit},
    )


@role_required("segment.view", write="segment.change")
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = Segment.objects.filter(pk=pk).first()
    if segment is None:
        raise Http404
    can_edit = can(request, "segment.change")
    form = SegmentForm(request.POST or None, segment=segment)
    if request.method == "POST" and form.is_valid():
        saved = _save_form(
            form,
            lambda data: services.segment_update(
                segment=segment,
                name=data["name"],
                description=data["description"],
                rules=form.rules(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect(tenant_reverse(request, "accounts:segment_detail", pk=pk))
    page = _page(request, segment_accounts(segment))
    return render(
        request,
        "accounts/segment_detail.html",
        {
            "segment": segment,
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "can_edit": can_edit,
        },
    )


@require_POST
@role_required("segment.delete")
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = Segment.objects.filter(pk=pk).first()
    if segment is None:
        raise Http404
    services.segment_delete(segment=segment, actor=request.user)
    messages.success(request, _("The segment was deleted."))
    return redirect(tenant_reverse(request, "accounts:segments"))


# --- import and export ------------------------------------------------------------------------


@role_required("import_job.create")
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
            created_by=request.user,  # type: ignore[arg-type]
        )
        return redirect(tenant_reverse(request, "accounts:import_job", pk=job.pk))
    return render(
        request,
        "accounts/import.html",
        {"form": form, "jobs": import_job_list()[:20], "specs": list(SPECS.values())},
    )


@role_required("import_job.view")
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_list().filter(pk=pk).first()
    if job is None:
        raise Http404
    if request.method == "POST":
        new = import_job_rerun(
            job=job,
            dry_run=request.POST.get("dry_run") == "1",
            created_by=request.user,  # type: ignore[arg-type]
        )
        return redirect(tenant_reverse(request, "accounts:import_job", pk=new.pk))
    processed, total = import_job_progress(job)
    percent = 100 if job.is_finished else (int(processed * 100 / total) if total else 0)
    template = (
        "accounts/import_job_progress.html"
        if request.headers.get("HX-Request")
        else "accounts/import_job.html"
    )
    response = render(
        request,
        template,
        {
            "job": job,
            "processed": processed,
            "total": total,
            "percent": percent,
            "errors": job.errors[:500],
            "more_errors": max(0, len(job.errors) - 500),
        },
    )
    if request.headers.get("HX-Request") and job.is_finished:
        response["HX-Refresh"] = "true"  # show the report and the next actions
    return response


@role_required("account.export")
def export(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "accounts")
    if kind not in SPECS:
        raise Http404
    japanese = request.GET.get("headers") == "ja"
    encoding = request.GET.get("encoding", "utf-8")
    if encoding not in ENCODINGS:
        return HttpResponse(
            _("Unknown encoding: choose utf-8 or shift_jis."), status=400, content_type="text/plain"
        )
    response = HttpResponse(
        export_csv(kind, japanese_headers=japanese, encoding=encoding),
        content_type=f"text/csv; charset={encoding}",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response


@role_required("account.export")
def account_list_csv(request: HttpRequest) -> HttpResponse:
    """The account list's current view (its filters, search and sort) as CSV, with the
    import's columns so it re-imports; formula-like cells escaped as in every export."""
    query, queryset = _list_query(request.GET)
    # The page's order, read as the page reads it: a sort by groups (the phases' order, the
    # tiers) group by group from the sort's index (`keyset_ids`), not a CASE over every row.
    groups = list_sort_groups(query.cleaned["sort"]) if query.cleaned is not None else None
    japanese = request.GET.get("headers") == "ja"
    ids = keyset_ids(queryset, groups=groups)
    response = HttpResponse(
        export_csv("accounts", japanese_headers=japanese, account_ids=ids),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="accounts-view-{stamp}.csv"'
    return response
