"""Shared fixtures: an app over a temporary database and instance folder, and its client.

The app's models are stubs that refuse to load (tests/fakes.py) unless the test is marked ``real_models``
(``pytestmark = pytest.mark.real_models`` for a module), when they are the shipped models, loaded once for the
session. A test that reads a model without the mark fails saying so: which tests pay for the real models is
written beside them, and a route test can give its own fake through the registry instead (``loaders_with``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from library.paths import default_data_dir  # noqa: E402

def pytest_collection_modifyitems(config, items):
    """The lanes a test's fixtures imply (pyproject.toml); ``slow`` and ``fuzz`` are marks the tests carry.

    A real browser drives the whole app, and the fixtures below read the shipped models: those tests get
    ``real_models`` too, so that their app has them."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "chromium" in used:
            item.add_marker(pytest.mark.browser)
        if used & {"data_dir", "essays"}:
            item.add_marker(pytest.mark.data)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if used & {"chromium", "shared_loaders", "needs_speech_model"}:
            item.add_marker(pytest.mark.real_models)


@pytest.fixture(scope="session")
def shared_loaders():
    """Model loaders whose models are loaded once for the whole test session."""
    from web.platform.models import default_loaders

    cache: dict = {}
    loaders = default_loaders()

    def cached(name):
        def load(registry):
            if name not in cache:
                cache[name] = loaders[name](registry)
            return cache[name]
        return load

    return {name: cached(name) for name in loaders}


def fresh_postgres(url: str) -> None:
    """Drop every table this project makes, so each test starts from an empty database."""
    from sqlalchemy import create_engine

    from library.history.schema import Base
    import library.history  # noqa: F401  (registers every table on Base)

    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Each database the app supports: SQLite in a temporary file, and the PostgreSQL server named
    by ESAPR_TEST_DATABASE_URL (.ci/run starts one; locally: export it from `.ci/postgres | tail -1`)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite3'}"
        return

    url = os.environ.get("ESAPR_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL too: .ci/run sets ESAPR_TEST_DATABASE_URL from .ci/postgres")
        pytest.skip("ESAPR_TEST_DATABASE_URL is unset: no PostgreSQL to test against (see .ci/postgres)")
    fresh_postgres(url)
    yield url
    fresh_postgres(url)


def make_test_app(tmp_path, loaders, **overrides):
    from main import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-only-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'history.sqlite3'}",
        "MODEL_LOADERS": loaders,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_loaders(request):
    """The shipped models' loaders for a test marked ``real_models``; stubs that refuse to load otherwise."""
    if request.node.get_closest_marker("real_models"):
        return request.getfixturevalue("shared_loaders")
    from fakes import stub_loaders

    return stub_loaders()


@pytest.fixture
def db_app(tmp_path, app_loaders, database_url):
    """The app over each supported database in turn (see ``database_url``)."""
    app = make_test_app(tmp_path, app_loaders, DATABASE_URL=database_url)
    yield app
    app.extensions["esapr_store"].close()


@pytest.fixture
def app(tmp_path, app_loaders):
    app = make_test_app(tmp_path, app_loaders)
    yield app
    app.extensions["esapr_store"].close()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium for the browser tests, or a skip saying how to get it."""
    from browser import require_chromium

    return require_chromium()


@pytest.fixture
def needs_speech_model(app):
    """Skip, saying why, when the speech model has not been trained into Models/audio/ yet."""
    try:
        app.extensions["esapr_models"].get("speech_emotion")
    except FileNotFoundError as exc:
        pytest.skip(f"no trained speech model: {exc}")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real training data folder, or a skip saying why it is missing."""
    path = default_data_dir()
    if not path.is_dir():
        pytest.skip(f"data folder {path} is absent (set ESAPR_DATA_DIR); tests on real data need it")
    return path


@pytest.fixture(scope="session")
def essays(data_dir):
    import pandas as pd

    csv = data_dir / "essays" / "essays_train.csv"
    if not csv.exists():
        pytest.skip(f"{csv} is absent")
    return pd.read_csv(csv)
