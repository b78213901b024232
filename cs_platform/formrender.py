"""Django's form renderer, with the widget templates that pages render by the hundred written
in Python (`settings.FORM_RENDERER`).

Every `<option>` of a select, every checkbox of a multiple choice, every label and every empty
error list is otherwise a Django template render of its own: on Account 360 the forms of the
panels (meeting, touch, survey, step owner, assignee, …) took about a quarter of the page's
CPU (issue #16). The output is the same HTML, byte for byte, as Django's own templates
(`tests/cs_platform/test_formrender.py` compares them over every widget kind and edge the
forms use). A widget this module does not know (a custom template, a file input, a multi-
widget), or an option with a template of its own, is rendered by the templates as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.utils.html import escape
from django.utils.safestring import SafeData

W = "django/forms/widgets/"
_INPUT_TYPES = [
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
]
_OPTION_TEMPLATES = {f"{W}select_option.html", f"{W}checkbox_option.html", f"{W}radio_option.html"}


class _Context:
    """What `render_value_in_context` reads of a template context: the defaults."""

    autoescape = True
    use_l10n = None
    use_tz = None


_CONTEXT = _Context()


class _Fallback(Exception):
    """This widget is left to the templates."""


def _value(value: Any) -> str:
    """`{{ value }}`: localized, then escaped unless safe."""
    return render_value_in_context(value, _CONTEXT)  # type: ignore[arg-type]


def _s(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: `'%s' % value`, escaped unless the value was safe."""
    if isinstance(value, SafeData):
        return str(value)
    return escape("%s" % value)  # noqa: UP031  (the filter's own formatting)


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """`django/forms/widgets/attrs.html` (and `django/forms/attrs.html`)."""
    out = []
    for name, value in (attrs or {}).items():
        if value is not False:
            out.append(f" {_value(name)}")
            if value is not True:
                out.append(f'="{_s(value)}"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    """`input.html` as an include renders it (with the file's last newline)."""
    value = widget["value"]
    shown = f' value="{_s(value)}"' if value is not None else ""
    return (
        f'<input type="{_value(widget["type"])}" name="{_value(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def _input_option(option: Mapping[str, Any]) -> str:
    """`checkbox_option.html` / `radio_option.html` (via `input_option.html`), included."""
    if option.get("template_name") not in _OPTION_TEMPLATES:
        raise _Fallback
    wrap = option.get("wrap_label")
    out = []
    if wrap:
        option_id = option["attrs"].get("id")
        out.append(f'<label for="{_value(option_id)}">' if option_id else "<label>")
    out.append(_input(option))
    if wrap:
        out.append(f" {_value(option['label'])}</label>")
    return "".join(out) + "\n\n"


def _select(widget: Mapping[str, Any]) -> str:
    out = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != f"{W}select_option.html":
                raise _Fallback
            out.append(
                f'\n  <option value="{_s(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_value(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _multiple_input(widget: Mapping[str, Any]) -> str:
    """`checkbox_select.html` / `radio.html` (via `multiple_input.html`)."""
    widget_id = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    out = ["<div"]
    if widget_id:
        out.append(f' id="{_value(widget_id)}"')
    if css:
        out.append(f' class="{_value(css)}"')
    out.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{_value(group)}</label>")
        for option in options:
            out.append(f"<div>\n    {_input_option(option)}</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>")
    return "".join(out)


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_value(value) if value else ''}</textarea>"
    )


def _label(context: Mapping[str, Any]) -> str:
    """`django/forms/label.html`."""
    if context.get("use_tag"):
        tag = _value(context["tag"])
        return f"<{tag}{_attrs(context['attrs'])}>{_value(context['label'])}</{tag}>"
    return _value(context["label"])


def _error_list(context: Mapping[str, Any]) -> str:
    """`django/forms/errors/list/default.html` of an empty list (a full one: the template)."""
    if context.get("errors"):
        raise _Fallback
    return ""


def _p(context: Mapping[str, Any]) -> str:
    """`django/forms/p.html`: `form.as_p()`, with the template's own line breaks."""
    errors, fields, hidden = context["errors"], context["fields"], context["hidden_fields"]
    out = [_value(errors), "\n"]
    if errors and not fields:
        out += ["\n  <p>", *(_value(h) for h in hidden), "</p>\n"]
    out.append("\n")
    last = len(fields) - 1
    for i, (field, field_errors) in enumerate(fields):
        out += ["\n  ", _value(field_errors), "\n  <p"]
        classes = field.css_classes()
        if classes:
            out.append(f' class="{_value(classes)}"')
        out.append(">\n    ")
        if field.label:
            out.append(_value(field.label_tag()))
        out += ["\n    ", _value(field), "\n    "]
        if field.help_text:
            out.append('\n      <span class="helptext"')
            if field.auto_id:
                out.append(f' id="{_value(field.auto_id)}_helptext"')
            out.append(f">{field.help_text}</span>\n    ")
        out.append("\n    ")
        if i == last:
            out += ["\n      ", *(_value(h) for h in hidden), "\n    "]
        out.append("\n  </p>\n")
    out.append("\n")
    if not fields and not errors:
        out += ["\n  ", *(_value(h) for h in hidden), "\n"]
    out.append("\n")
    return "".join(out)


def _widget(render: Callable[[Mapping[str, Any]], str]) -> Callable[[Mapping[str, Any]], str]:
    return lambda context: render(context["widget"])


_FAST: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"{W}{kind}.html": _widget(_input) for kind in _INPUT_TYPES},
    f"{W}select.html": _widget(_select),
    f"{W}checkbox_select.html": _widget(_multiple_input),
    f"{W}radio.html": _widget(_multiple_input),
    f"{W}textarea.html": _widget(_textarea),
    "django/forms/label.html": _label,
    "django/forms/p.html": _p,
    "django/forms/errors/list/default.html": _error_list,
    "django/forms/errors/list/ul.html": _error_list,
}


class FastFormRenderer(DjangoTemplates):
    """`DjangoTemplates`, with the common widget templates rendered in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = _FAST.get(template_name)
        if fast is not None:
            try:
                return fast(context).strip()
            except _Fallback:
                pass
        return super().render(template_name, context, request)
