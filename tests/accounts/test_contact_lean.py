"""`contact_with_account`: the public site's read of its reader, as SQL (issue #16), gives what
`contact_get` gives, within the tenant in scope only."""

import pytest

from accounts.selectors import contact_get, contact_with_account
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_the_lean_read_gives_the_contact_and_its_account(tenant, other_tenant):
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(name="読者の会社"), name="読者 太郎")
        lean, orm = contact_with_account(contact_id=contact.pk), contact_get(pk=contact.pk)
        assert lean is not None and orm is not None
        for field in type(contact)._meta.concrete_fields:
            assert getattr(lean, field.attname) == getattr(orm, field.attname), field.name
        for field in type(contact.account)._meta.concrete_fields:
            assert getattr(lean.account, field.attname) == getattr(orm.account, field.attname)
        assert lean.account.name == "読者の会社"
        assert contact_with_account(contact_id=contact.pk + 1000) is None
    with tenant_scope(other_tenant):
        assert contact_with_account(contact_id=contact.pk) is None
