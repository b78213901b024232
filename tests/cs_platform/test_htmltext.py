"""`cs_platform.htmltext.escaped` escapes as a template does (`conditional_escape`)."""

import pytest
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from cs_platform.htmltext import escaped


@pytest.mark.parametrize(
    "value",
    [
        "<script>x</script>\"'&",
        mark_safe("<b>kept</b> &amp;"),
        gettext_lazy("Delete"),
        42,
        1.5,
        None,
    ],
)
def test_a_value_is_escaped_as_a_template_escapes_it(value):
    assert escaped(value) == conditional_escape(value)
