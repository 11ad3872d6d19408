"""jupyter_kernel_test's standard conformance suite, run against memscope.

Covers, through `jupyter_kernel_test.KernelTests`: kernel_info, stdout and
stderr streams, completion, is_complete (complete / incomplete / invalid),
the pager payload, errors, execute_result, display_data, history
(tail / range / search, incl. unique and n), inspect and clear_output, with
every message checked against the v5 message schemas.

KernelTests skips a test whenever the matching sample attribute is empty, so
this module also fails if that could happen: every test here carries the
`no_skip` marker (a skip becomes a failure, see conftest.py), and
test_no_kernel_test_would_be_skipped checks the samples statically.
"""

from __future__ import annotations

import ast
import fnmatch
import inspect
import textwrap
from typing import Any

import jupyter_kernel_test as jkt  # not `from ... import KernelTests`: pytest would collect it
import pytest

from kernel_harness import (
    CELL_TIMEOUT,
    FIRST_CELL_TIMEOUT,
    KERNEL_NAME,
    REPLY_TIMEOUT,
    drain,
    run,
    rust_bytes,
    start_kernel,
    stop_kernel,
    tiny_png,
)

pytestmark = pytest.mark.no_skip

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


class MemscopeKernelTests(jkt.KernelTests):
    kernel_name = KERNEL_NAME

    language_name = "rust"
    file_extension = ".rs"

    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("written to stderr");'

    # `alphabet_soup` is defined in setUpClass; nothing else in scope is a
    # fuzzy match for this prefix, so the match set is exact.
    completion_samples = [{"text": "alphabet_so", "matches": ["alphabet_soup"]}]

    complete_code_samples = ["let x = 1;", "1 + 2", "fn f() -> i32 { 1 }"]
    incomplete_code_samples = ["fn f() {", "let v = vec![1, 2,", "struct S {"]
    invalid_code_samples = ["let x = );"]

    code_page_something = ":help"

    code_generate_error = 'let x: i32 = "text";'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": 'String::from("a")', "result": '"a"'},
        {"code": "let history_probe = 6 * 7; history_probe", "result": "42"},
    ]

    # Must match exactly one (distinct) code of code_execute_result.
    code_history_pattern = "let history_probe*"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'display::html("<b>hi</b>");', "mime": "text/html"},
        {"code": 'display::markdown("# Title");', "mime": "text/markdown"},
        {"code": f'display::svg(r#"{SVG}"#);', "mime": "image/svg+xml"},
        # The bytes stay a temporary: a `Vec<u8>` variable is an array, and
        # the memory table that follows it would be a second display_data.
        {"code": f"display::png(&{rust_bytes(tiny_png())});", "mime": "image/png"},
        {"code": 'display::text("plain words");', "mime": "text/plain"},
    ]

    code_inspect_sample = "alphabet_soup"

    code_clear_output = "display::clear_output(false);"

    @classmethod
    def setUpClass(cls) -> None:
        # Our own start: longer timeouts than start_new_kernel's, and a first
        # cell (cold compile) that also defines what completion/inspect need.
        kernel = start_kernel(warm_up=False)
        cls.km, cls.kc = kernel.km, kernel.kc
        cls._kernel = kernel
        try:
            reply, _ = run(cls.kc, "let alphabet_soup = 5;", timeout=FIRST_CELL_TIMEOUT)
            assert reply["content"]["status"] == "ok", reply["content"]
            drain(cls.kc)
        except BaseException:
            stop_kernel(kernel)
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        stop_kernel(cls._kernel)

    # KernelTests waits 15 s (or forever) for replies; a Rust cell can need
    # longer, so only the timeouts are widened, the checks stay the same.
    def execute_helper(
        self,
        code: str,
        timeout: float = CELL_TIMEOUT,
        silent: bool = False,
        store_history: bool = True,
        stop_on_error: bool = True,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return super().execute_helper(
            code,
            timeout=max(timeout, CELL_TIMEOUT),
            silent=silent,
            store_history=store_history,
            stop_on_error=stop_on_error,
        )

    def get_non_kernel_info_reply(self, timeout: float | None = None) -> dict[str, Any] | None:
        return super().get_non_kernel_info_reply(timeout=max(timeout or 0, REPLY_TIMEOUT))


# --------------------------------------------------------------------------
# Guards against silently skipped KernelTests tests

KERNEL_TEST_NAMES = sorted(n for n in dir(jkt.KernelTests) if n.startswith("test_"))

# attribute -> why it matters (the KernelTests test that skips without it)
REQUIRED_SAMPLES = {
    "language_name": "test_kernel_info checks language_info.name only if set",
    "file_extension": "test_kernel_info checks file_extension only if set",
    "code_hello_world": "test_execute_stdout",
    "code_stderr": "test_execute_stderr",
    "completion_samples": "test_completion",
    "complete_code_samples": "test_is_complete (complete)",
    "incomplete_code_samples": "test_is_complete (incomplete)",
    "invalid_code_samples": "test_is_complete (invalid)",
    "code_page_something": "test_pager",
    "code_generate_error": "test_error",
    "code_execute_result": "test_execute_result and test_history",
    "code_display_data": "test_display_data",
    "code_history_pattern": "test_history (search)",
    "supported_history_operations": "test_history",
    "code_inspect_sample": "test_inspect",
    "code_clear_output": "test_clear_output",
}


def _is_skip(stmt: ast.stmt) -> bool:
    """`raise SkipTest(...)` or `self.skipTest(...)`."""
    if isinstance(stmt, ast.Raise) and isinstance(stmt.exc, ast.Call):
        func = stmt.exc.func
        return (isinstance(func, ast.Name) and func.id == "SkipTest") or (
            isinstance(func, ast.Attribute) and func.attr == "SkipTest"
        )
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Attribute) and func.attr == "skipTest"
    return False


def test_no_kernel_test_would_be_skipped() -> None:
    """Evaluate, against our subclass, every `if <cond>: raise SkipTest` in the
    installed KernelTests (so a new optional sample in a future version is
    caught too); conditions that depend on run-time values are left to the
    no_skip marker."""
    would_skip: list[str] = []
    evaluated = 0
    for name in KERNEL_TEST_NAMES:
        source = textwrap.dedent(inspect.getsource(getattr(jkt.KernelTests, name)))
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.If) and any(_is_skip(s) for s in node.body)):
                continue
            expr = compile(ast.Expression(node.test), f"<{name}>", "eval")
            try:
                skips = eval(expr, {}, {"self": MemscopeKernelTests})  # noqa: S307
            except NameError:
                continue  # depends on a local computed while the test runs
            evaluated += 1
            if skips:
                would_skip.append(f"{name}: {ast.unparse(node.test)}")
    assert evaluated >= 10, f"only {evaluated} skip conditions found: has KernelTests changed?"
    assert not would_skip, f"KernelTests would skip: {would_skip}"


@pytest.mark.parametrize("attribute", sorted(REQUIRED_SAMPLES))
def test_sample_attribute_is_set(attribute: str) -> None:
    assert hasattr(jkt.KernelTests, attribute), (
        f"KernelTests has no attribute {attribute!r} any more: the sample is ignored"
    )
    assert getattr(MemscopeKernelTests, attribute), (
        f"{attribute} is empty, so {REQUIRED_SAMPLES[attribute]} would not test anything"
    )


def test_history_samples_are_consistent() -> None:
    ops = set(MemscopeKernelTests.supported_history_operations)
    assert {"tail", "range", "search"} <= ops
    codes = {s["code"] for s in MemscopeKernelTests.code_execute_result}
    matching = [c for c in codes if fnmatch.fnmatchcase(c, MemscopeKernelTests.code_history_pattern)]
    # test_history's unique search expects exactly one distinct match.
    assert len(matching) == 1, matching


def test_samples_check_content_not_just_shape() -> None:
    assert all("matches" in s for s in MemscopeKernelTests.completion_samples)
    assert all("result" in s for s in MemscopeKernelTests.code_execute_result)
    assert all("mime" in s for s in MemscopeKernelTests.code_display_data)


def test_every_kernel_test_is_inherited_unchanged() -> None:
    assert len(KERNEL_TEST_NAMES) >= 12, KERNEL_TEST_NAMES
    overridden = [
        n for n in KERNEL_TEST_NAMES if getattr(MemscopeKernelTests, n) is not getattr(jkt.KernelTests, n)
    ]
    assert not overridden, f"tests replaced in the subclass: {overridden}"
