"""The structure docs/architecture.md promises, checked on the source (import-linter, in
`make lint`, checks the import direction; this checks what it cannot express)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PFDO = Path(__file__).resolve().parent.parent / "pfdo"

#: the web layer: the only modules that may read the HTTP request
WEB_MODULES = {"__init__.py", "web.py", "security.py", "navigation.py", "forms.py", "assets.py",
               "accounts/access.py", "accounts/sessions.py"}
#: what only the web layer may take from Flask
REQUEST_NAMES = {"request", "url_for", "abort", "g", "session", "redirect", "flash",
                 "make_response"}
ABORTING_HELPERS = {"get_or_404", "first_or_404", "one_or_404"}


def modules():
    for path in sorted(PFDO.rglob("*.py")):
        yield path.relative_to(PFDO).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def is_web(name: str) -> bool:
    file = name.rsplit("/", 1)[-1]
    return name in WEB_MODULES or file in ("views.py", "forms.py") or file.endswith("_views.py")


def package_of(dotted: str) -> str:
    """«pfdo.certificates.financing» → «certificates»; top-level modules are their own package."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_package(name: str) -> str:
    return name.split("/")[0].removesuffix(".py")


def request_uses(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            found += [alias.name for alias in node.names if alias.name in REQUEST_NAMES]
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "flask" and node.attr in REQUEST_NAMES):
            found.append(f"flask.{node.attr}")
        # Flask-SQLAlchemy's *_or_404 abort the request: db.get_or_not_found raises NotFound
        if isinstance(node, ast.Attribute) and node.attr in ABORTING_HELPERS:
            found.append(node.attr)
    return found


def test_the_check_sees_a_request_use():
    tree = ast.parse("from flask import abort, current_app\nimport flask\nflask.request.args\n"
                     "db.get_or_404(User, 1)\n")
    assert sorted(request_uses(tree)) == ["abort", "flask.request", "get_or_404"]


@pytest.mark.parametrize("name,tree", [m for m in modules() if not is_web(m[0])],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_services_jobs_and_models_never_touch_the_request(name, tree):
    """Services, jobs, models and the demo run in CLI jobs and tests with no request: links come
    from pfdo.links, a missing object is pfdo.errors.NotFound, the client's address reaches the
    audit log through audit.services.origin."""
    assert request_uses(tree) == [], f"pfdo/{name} uses the HTTP request"


def private_imports(name: str, tree: ast.AST) -> list[str]:
    """`_private` names taken from another package: by `from … import _x`, or as `module._x`
    where `module` was imported from another package."""
    own = module_package(name)
    found, foreign_modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pfdo"):
            if package_of(node.module) == own:
                continue
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{node.module}.{alias.name}")
                else:
                    foreign_modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if (alias.name.startswith("pfdo.") and alias.asname
                        and package_of(alias.name) != own):
                    foreign_modules.add(alias.asname)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in foreign_modules and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_the_check_sees_a_private_import():
    tree = ast.parse("from pfdo.accounts.services import _hash, create_account\n"
                     "from pfdo.ledger import services as ledger\nledger._post()\n")
    assert private_imports("providers/services.py", tree) == [
        "pfdo.accounts.services._hash", "ledger._post"]
    own = ast.parse("from pfdo.accounts.services import _hash\n")
    assert private_imports("accounts/views.py", own) == []


@pytest.mark.parametrize("name,tree", list(modules()),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_no_private_name_is_imported_across_packages(name, tree):
    assert private_imports(name, tree) == [], f"pfdo/{name} reaches into another package"


def test_no_module_is_over_400_lines():
    long = {path.relative_to(PFDO).as_posix(): n for path in PFDO.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
