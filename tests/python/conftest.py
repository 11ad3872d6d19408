"""Shared pytest set-up for the memscope end-to-end tests.

Covers: the kernel fixtures (one warmed-up kernel per test module, and a fresh
cold kernel per test for tests that need one), a per-test pytest-timeout for
every test that does not set its own, and the `no_skip` marker, which turns a
skip into a failure (jupyter_kernel_test skips its tests silently when a code
sample is missing; in this suite that must never go unnoticed).

Nothing here starts a kernel at import or collection time.  The helpers
(run, get_reply, ...) are in kernel_harness.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kernel_harness import TEST_TIMEOUT, Kernel, drain, start_kernel, stop_kernel


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "no_skip: a skipped test (or subtest) is reported as a failure instead",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and item.get_closest_marker("no_skip"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"this test must not be skipped, but it was: {reason}"


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    """One warmed-up memscope kernel shared by the tests of a module."""
    k = start_kernel(warm_up=True)
    yield k
    stop_kernel(k)


@pytest.fixture
def kc(kernel: Kernel):
    """The module kernel's client, with nothing left over from earlier tests."""
    drain(kernel.kc)
    return kernel.kc


@pytest.fixture
def fresh_kernel() -> Iterator[Kernel]:
    """A memscope kernel of its own, not warmed up: its first cell is a cold compile."""
    k = start_kernel(warm_up=False)
    yield k
    stop_kernel(k)
