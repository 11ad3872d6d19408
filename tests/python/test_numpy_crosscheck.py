"""The memory table against NumPy itself.

The same arrays are built in NumPy and, with the prelude's `np` and
`NpArray`, in a memscope kernel. For every pair of variables the kernel's
"shares memory with" must equal `np.shares_memory`, its "bounds overlap
with" must equal `np.may_share_memory`, and every variable must be an alias,
an owner or a view exactly when it is one in NumPy.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from memory_table import memory, rows

# (NumPy statement, the same in Rust). Each defines one variable.
SCENARIO = [
    ("x = np.arange(10.0)", "let x = np::arange(0.0, 10.0, 1.0);"),
    ("same = x", "let same = x.clone();"),
    ("copied = x.copy()", "let copied = x.copy();"),
    ("head = x[:5]", "let head = x.slice(s![..5]);"),
    ("tail = x[5:]", "let tail = x.slice(s![5..]);"),
    ("overlapping = x[4:8]", "let overlapping = x.slice(s![4..8]);"),
    ("evens = x[::2]", "let evens = x.slice(s![..;2]);"),
    ("odds = x[1::2]", "let odds = x.slice(s![1..;2]);"),
    ("backwards = x[::-1]", "let backwards = x.slice(s![..;-1]);"),
    ("odd_back = x[::-2]", "let odd_back = x.slice(s![..;-2]);"),
    ("inner = head[1:3]", "let inner = head.slice(s![1..3]);"),
    ("whole = x[:]", "let whole = x.slice(s![..]);"),
    ("xt = x.T", "let xt = x.t();"),
    ("m = np.arange(12.0).reshape(3, 4)", "let m = np::arange(0.0, 12.0, 1.0).reshape(&[3, 4]);"),
    ("row = m[1]", "let row = m.slice(s![1, ..]);"),
    ("col = m[:, 2]", "let col = m.slice(s![.., 2]);"),
    ("left = m[:, :2]", "let left = m.slice(s![.., ..2]);"),
    ("right = m[:, 2:]", "let right = m.slice(s![.., 2..]);"),
    ("mt = m.T", "let mt = m.t();"),
    ("flat = m.reshape(12)", "let flat = m.reshape(&[12]);"),
    ("tflat = mt.reshape(12)", "let tflat = mt.reshape(&[12]);"),
    ("flattened = m.flatten()", "let flattened = m.flatten();"),
    ("raveled = m.ravel()", "let raveled = m.ravel();"),
    ("corners = m[::-1, ::3]", "let corners = m.slice(s![..;-1, ..;3]);"),
    ("fancy = x[[1, 3, 5]]", "let fancy = x.take(&[1, 3, 5], 0);"),
    ("masked = x[x > 4]", "let masked = x.mask(&x.map(|v| v > 4.0));"),
    ("bc = np.broadcast_to(x[3:4], (2, 3))", "let bc = np::broadcast_to(&x.slice(s![3..4]), &[2, 3]).unwrap();"),
    ("fresh = np.empty_like(x)", "let fresh = np::empty_like(&x);"),
    ("fcopy = np.copy(m, order='F')", "let fcopy = np::copy(&m, np::Order::F);"),
]


def numpy_namespace() -> dict[str, np.ndarray]:
    namespace: dict[str, object] = {"np": np}
    for statement, _ in SCENARIO:
        exec(statement, namespace)  # noqa: S102 - our own fixed statements
    return {name: value for name, value in namespace.items() if isinstance(value, np.ndarray)}


# A reshape that must copy makes a fresh C-ordered copy and returns a view
# of it (see the discussion in numpy#21940: a base does not prove sharing).
# Nothing else can see that memory, so memscope calls the result an owner.
# The test checks that this really is such a private copy.
VIEWS_OF_A_PRIVATE_COPY = {"tflat"}


def numpy_role(name: str, arrays: dict[str, np.ndarray]) -> str:
    array = arrays[name]
    if any(other is array for n, other in arrays.items() if n != name):
        return "alias"
    base = array.base
    if base is not None and np.shares_memory(array, base):
        if name in VIEWS_OF_A_PRIVATE_COPY:
            assert not any(np.shares_memory(array, other) for n, other in arrays.items() if n != name)
            return "owner"
        return "view"
    return "owner"


def test_every_pair_agrees_with_numpy(kernel) -> None:
    kc = kernel.kc
    table = None
    for _, rust in SCENARIO:
        table = memory(kc, rust)
    kernel_rows = rows(table)
    arrays = numpy_namespace()
    names = [statement.split(" = ")[0] for statement, _ in SCENARIO]
    assert set(names) <= set(kernel_rows) and set(names) == set(arrays)

    disagreements = []
    for a, b in combinations(names, 2):
        exact = np.shares_memory(arrays[a], arrays[b])
        bounds = np.may_share_memory(arrays[a], arrays[b])
        ours_exact = b in kernel_rows[a]["shares_memory_with"]
        ours_bounds = b in kernel_rows[a]["bounds_overlap_with"]
        if (exact, bounds) != (ours_exact, ours_bounds):
            disagreements.append(f"{a}/{b}: numpy {exact}/{bounds}, memscope {ours_exact}/{ours_bounds}")
        assert (a in kernel_rows[b]["shares_memory_with"]) == ours_exact, f"{a}/{b} not symmetric"
    for name in names:
        expected = numpy_role(name, arrays)
        if kernel_rows[name]["role"] != expected:
            disagreements.append(f"{name}: numpy {expected}, memscope {kernel_rows[name]['role']}")
        row = kernel_rows[name]
        array = arrays[name]
        strides = [s // array.itemsize for s in array.strides]
        if row["shape"] != list(array.shape) or row["strides"] != strides:
            disagreements.append(f"{name}: layout {row['shape']}/{row['strides']} vs {list(array.shape)}/{strides}")
        flags = (array.flags.c_contiguous, array.flags.f_contiguous, array.flags.writeable)
        if (row["c_contiguous"], row["f_contiguous"], row["writeable"]) != flags:
            disagreements.append(f"{name}: flags {row['c_contiguous'], row['f_contiguous'], row['writeable']} vs {flags}")
    assert disagreements == [], "\n".join(disagreements)
    # The scenario must exercise every answer, or the check proves little.
    answers = {(np.shares_memory(arrays[a], arrays[b]), np.may_share_memory(arrays[a], arrays[b])) for a, b in combinations(names, 2)}
    assert answers == {(True, True), (False, True), (False, False)}
    assert {numpy_role(n, arrays) for n in names} == {"alias", "owner", "view"}


def test_views_name_their_base_as_numpy_does(kernel) -> None:
    kernel_rows = rows(memory(kernel.kc, "let base_check = 0u8;\nlet base_probe = x.slice(s![1..2]);"))
    arrays = numpy_namespace()
    arrays["base_probe"] = arrays["x"][1:2]
    for name, row in kernel_rows.items():
        if name not in arrays or row["role"] != "view":
            continue
        base = arrays[name].base
        while base is not None and base.base is not None:
            base = base.base
        named = sorted(n for n, a in arrays.items() if a is base)
        if named:
            assert row["base"] in named, f"{name}: base {row['base']} vs numpy {named}"
        else:
            assert row["base"] is None and row["base_is_gone"], f"{name}: numpy's base is not a variable"
