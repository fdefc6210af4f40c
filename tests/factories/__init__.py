"""Valid objects for tests in one call: `from tests import factories`.

Every factory takes the app, runs in its own plain app context (no request needed), commits,
and returns the object detached: its columns are readable afterwards, its relationships are
not; reload it with `db.session.get(Model, obj.id)` inside your own `with app.app_context():`
to follow them. The `make` fixture binds the account ones to the app: `make.user("parent")`,
`make.municipality()`.

- accounts: users (password PASSWORD) and the municipality's settings;
- certificates: children, applications, certificates, financing periods, financing, the queue
  (through the real services, so every rule and audit row applies);
- enrollments: requests, offers and contracts (through the real services);
- providers: providers, programs, groups, revisions, documents (rows written directly, in the
  state a test needs) and the public application form's fields.
"""

from tests.factories.accounts import PASSWORD, Factories, municipality, user
from tests.factories.certificates import (
    NOMINAL,
    application,
    certificate,
    child,
    confirm,
    financing,
    period,
    queue,
    today,
    valid_snils,
)
from tests.factories.enrollments import contract, enrolment_request, offer
from tests.factories.providers import (
    application_form,
    document,
    group,
    inn10,
    inn12,
    ogrn,
    ogrnip,
    pdf_bytes,
    program,
    provider,
    revision,
)

__all__ = [
    "NOMINAL", "PASSWORD", "application", "application_form", "certificate", "child", "confirm",
    "contract", "document", "enrolment_request", "Factories", "financing", "group", "inn10",
    "inn12", "municipality", "offer", "ogrn", "ogrnip", "pdf_bytes", "period", "program",
    "provider", "queue", "revision", "today", "user", "valid_snils",
]
