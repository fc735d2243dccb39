from tests.fakes.fixtures import fake_slack  # noqa: F401
