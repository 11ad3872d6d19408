"""The memory table against NumPy itself.

The same arrays are built in NumPy and, with the prelude's `np` and
`NpArray`, in a memscope kernel. For every pair of variables the kernel's
"shares memory with" must equal `np.shares_memory`, its "bounds overlap
with" must equal `np.may_share_memory`, and every variable must be an alias,
an owner or a view exactly when it is one in NumPy.

Two more scenarios write into existing arrays (in-place operators through
aliases and views, `np.copyto`) and convert or flatten arrays in memory
orders K, A, C and F (`np.asarray`, `ravel`, `reshape`, `flatten`): there
the elements every variable ends up with must be NumPy's too, and after
each write the table's "changed" column must name exactly the variables
whose elements NumPy's write reached.
"""

from __future__ import annotations

import ast
from itertools import combinations

import numpy as np

from kernel_harness import run, stream_text
from memory_table import MEMORY_MIME, memory, rows, tables

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


def numpy_role(name: str, arrays: dict[str, np.ndarray], private_copies: set[str] = VIEWS_OF_A_PRIVATE_COPY) -> str:
    array = arrays[name]
    if any(other is array for n, other in arrays.items() if n != name):
        return "alias"
    base = array.base
    if base is not None and np.shares_memory(array, base):
        if name in private_copies:
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

    disagreements = disagreements_with_numpy(names, arrays, kernel_rows)
    assert disagreements == [], "\n".join(disagreements)
    # The scenario must exercise every answer, or the check proves little.
    answers = {(np.shares_memory(arrays[a], arrays[b]), np.may_share_memory(arrays[a], arrays[b])) for a, b in combinations(names, 2)}
    assert answers == {(True, True), (False, True), (False, False)}
    assert {numpy_role(n, arrays) for n in names} == {"alias", "owner", "view"}


def disagreements_with_numpy(
    names: list[str],
    arrays: dict[str, np.ndarray],
    kernel_rows: dict[str, dict],
    private_copies: set[str] = VIEWS_OF_A_PRIVATE_COPY,
) -> list[str]:
    """Where the table differs from NumPy for these variables: sharing and
    bounds of every pair, roles, shapes, strides and flags."""
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
        expected = numpy_role(name, arrays, private_copies)
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
    return disagreements


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


# (NumPy statement, the same in Rust, what the statement writes: a NumPy
# expression for the elements written, or None for a statement that only
# binds a name). Names are prefixed so as not to meet the scenario above in
# the shared kernel.
WRITES = [
    ("ip_a = np.arange(6.0)", "let ip_a = np::arange(0.0, 6.0, 1.0);", None),
    ("ip_b = ip_a", "let mut ip_b = ip_a.clone();", None),
    ("ip_odds = ip_a[1::2]", "let ip_odds = ip_a.slice(s![1..;2]);", None),
    # b = a; b += 1 changes a (and every view of it).
    ("ip_b += 1", "ip_b += 1.0;", "ip_b"),
    # b = b + 1 binds new memory and changes nothing.
    ("ip_grown = ip_b", "let ip_grown = ip_b.clone();", None),
    ("ip_grown = ip_grown + 1", "let ip_grown = &ip_grown + 1.0;", None),
    # Through a stepped view: only every second element, so ip_odds is
    # unchanged.
    ("ip_evens = ip_a[::2]", "let mut ip_evens = ip_a.slice(s![..;2]);", None),
    ("ip_evens *= 2", "ip_evens *= 2.0;", "ip_evens"),
    # Broadcasting right operands.
    ("ip_m = np.zeros((2, 3))", "let mut ip_m = np::zeros(&[2, 3]);", None),
    ("ip_m += ip_a[:3]", "ip_m += &ip_a.slice(s![..3]);", "ip_m"),
    ("ip_m *= np.array([[1.0], [3.0]])", "ip_m *= &np::array2(&[[1.0], [3.0]]);", "ip_m"),
    # Overlapping right operands are read before anything is written.
    ("ip_col = ip_m[:, 1]", "let mut ip_col = ip_m.slice(s![.., 1]);", None),
    ("ip_col -= ip_col[::-1]", "ip_col -= &ip_col.slice(s![..;-1]);", "ip_col"),
    ("ip_r = np.arange(5.0)", "let mut ip_r = np::arange(0.0, 5.0, 1.0);", None),
    ("ip_r += ip_r[::-1]", "ip_r += &ip_r.slice(s![..;-1]);", "ip_r"),
    ("ip_r[1:] += ip_r[:-1]", "{ let mut tail = ip_r.slice(s![1..]); tail += &ip_r.slice(s![..4]); }", "ip_r[1:]"),
    # asarray of an array is that array; copyto fills a preallocated one.
    ("ip_same = np.asarray(ip_a)", "let ip_same = np::asarray(&ip_a);", None),
    ("ip_dst = np.zeros((2, 3))", "let ip_dst = np::zeros(&[2, 3]);", None),
    ("np.copyto(ip_dst, ip_a[3:])", "np::copyto(&ip_dst, &ip_a.slice(s![3..])).unwrap();", "ip_dst"),
    ("np.copyto(ip_dst[1], ip_same[::-2])", "np::copyto(&ip_dst.slice(s![1, ..]), &ip_same.slice(s![..;-2])).unwrap();", "ip_dst[1]"),
]

# (NumPy statement, the same in Rust): views and copies in orders K, A, C, F.
ORDERS = [
    ("ord_g = np.arange(12.0).reshape(3, 4)", "let ord_g = np::arange(0.0, 12.0, 1.0).reshape(&[3, 4]);"),
    ("ord_t = ord_g.T", "let ord_t = ord_g.t();"),
    ("ord_k = ord_t.ravel(order='K')", "let ord_k = ord_t.ravel_order(np::Order::K);"),
    ("ord_a = ord_t.ravel(order='A')", "let ord_a = ord_t.ravel_order(np::Order::A);"),
    ("ord_f = ord_t.ravel(order='F')", "let ord_f = ord_t.ravel_order(np::Order::F);"),
    ("ord_c = ord_t.ravel(order='C')", "let ord_c = ord_t.ravel_order(np::Order::C);"),
    ("ord_stepped = ord_g[:, ::2].ravel()", "let ord_stepped = ord_g.slice(s![.., ..;2]).ravel();"),
    ("ord_mirror = ord_g[:, ::-1].ravel(order='K')", "let ord_mirror = ord_g.slice(s![.., ..;-1]).ravel_order(np::Order::K);"),
    ("ord_rf = ord_t.reshape(2, 6, order='F')", "let ord_rf = ord_t.reshape_order(&[2, 6], np::Order::F);"),
    ("ord_ra = ord_t.reshape(6, 2, order='A')", "let ord_ra = ord_t.reshape_order(&[6, 2], np::Order::A);"),
    ("ord_rc = ord_t.reshape(12)", "let ord_rc = ord_t.reshape(&[12]);"),
    ("ord_gf = ord_g.reshape(4, 3, order='F')", "let ord_gf = ord_g.reshape_order(&[4, 3], np::Order::F);"),
    ("ord_flat_k = ord_t.flatten(order='K')", "let ord_flat_k = ord_t.flatten_order(np::Order::K);"),
    ("ord_same = np.asarray(ord_t, order='F')", "let ord_same = np::array_from(&ord_t, np::CopyMode::IfNeeded, np::Order::F).unwrap();"),
    ("ord_new = np.asarray(ord_t, order='C')", "let ord_new = np::array_from(&ord_t, np::CopyMode::IfNeeded, np::Order::C).unwrap();"),
    ("ord_fresh = np.array(ord_g, copy=True)", "let ord_fresh = np::array_from(&ord_g, np::CopyMode::Always, np::Order::K).unwrap();"),
]

# NumPy's reshapes that copy return a view of a private copy (see above).
ORDER_PRIVATE_COPIES = {"ord_rc", "ord_gf"}


def arrays_in(namespace: dict[str, object]) -> dict[str, np.ndarray]:
    return {name: value for name, value in namespace.items() if isinstance(value, np.ndarray)}


def kernel_values(kc, names: list[str]) -> dict[str, list[float]]:
    """Every named NpArray's elements in C order, as the kernel holds them."""
    code = "\n".join(f'println!("{name} {{:?}}", {name}.to_vec());' for name in names)
    reply, msgs = run(kc, code)
    assert reply["content"]["status"] == "ok", reply["content"]
    values = {}
    for line in stream_text(msgs).splitlines():
        name, elements = line.split(" ", 1)
        values[name] = ast.literal_eval(elements)
    return values


def value_disagreements(kc, arrays: dict[str, np.ndarray]) -> list[str]:
    names = sorted(arrays)
    ours = kernel_values(kc, names)
    return [
        f"{name}: numpy {arrays[name].ravel().tolist()}, memscope {ours.get(name)}"
        for name in names
        if ours.get(name) != arrays[name].ravel().tolist()
    ]


def test_writes_through_aliases_and_views_agree_with_numpy(kernel) -> None:
    kc = kernel.kc
    namespace: dict[str, object] = {"np": np}
    table = None
    wrong_changes = []
    for statement, rust, writes in WRITES:
        before = arrays_in(namespace)
        exec(statement, namespace)  # noqa: S102 - our own fixed statements
        reply, msgs = run(kc, rust)
        assert reply["content"]["status"] == "ok", (rust, reply["content"])
        (table,) = tables(msgs)
        if writes is None:
            continue
        # The table marks a variable modified exactly when NumPy's write
        # reached one of its elements.
        written = eval(writes, namespace)  # noqa: S307 - our own fixed expressions
        changed = rows(table)
        for name, array in before.items():
            expected = "modified" if np.shares_memory(array, written) else "unchanged"
            if changed[name]["changed"] != expected:
                wrong_changes.append(f"after {statement!r}: {name} {changed[name]['changed']}, numpy {expected}")
    assert wrong_changes == [], "\n".join(wrong_changes)

    arrays = arrays_in(namespace)
    names = sorted(arrays)
    kernel_rows = rows(table)
    assert set(names) <= set(kernel_rows)
    disagreements = disagreements_with_numpy(names, arrays, kernel_rows)
    disagreements += value_disagreements(kc, arrays)
    assert disagreements == [], "\n".join(disagreements)
    # The scenario shows what it claims: the alias changed the original, the
    # new binding did not, and the odd elements were not written.
    assert arrays["ip_a"].tolist() == [2.0, 2.0, 6.0, 4.0, 10.0, 6.0]
    assert not np.shares_memory(arrays["ip_grown"], arrays["ip_a"])
    assert arrays["ip_col"].tolist() == [-4.0, 4.0], "read before written"
    assert {numpy_role(n, arrays) for n in names} == {"alias", "owner", "view"}


def test_memory_orders_agree_with_numpy(kernel) -> None:
    kc = kernel.kc
    table = None
    for _, rust in ORDERS:
        table = memory(kc, rust)
    namespace: dict[str, object] = {"np": np}
    for statement, _ in ORDERS:
        exec(statement, namespace)  # noqa: S102 - our own fixed statements
    arrays = arrays_in(namespace)
    names = [statement.split(" = ")[0] for statement, _ in ORDERS]
    kernel_rows = rows(table)
    assert set(names) <= set(kernel_rows) and set(names) == set(arrays)
    disagreements = disagreements_with_numpy(names, arrays, kernel_rows, ORDER_PRIVATE_COPIES)
    disagreements += value_disagreements(kc, arrays)
    assert disagreements == [], "\n".join(disagreements)
    # Views where NumPy makes views, copies where it copies.
    views = {n for n in names if n != "ord_g" and np.shares_memory(arrays[n], arrays["ord_g"])}
    assert views == {"ord_t", "ord_k", "ord_a", "ord_f", "ord_rf", "ord_ra", "ord_same"}
    assert arrays["ord_same"] is arrays["ord_t"]


# (NumPy statement, the same in Rust): arrays kept in lists, dicts and
# tuples. A Rust `Some(x)` stands where Python keeps `x` itself.
CONTAINERS = [
    ("ct_a = np.arange(12.0)", "let ct_a = np::arange(0.0, 12.0, 1.0);"),
    (
        "ct_layers = [ct_a, ct_a[::2], ct_a.copy(), ct_a[::-1]]",
        "let ct_layers = vec![ct_a.clone(), ct_a.slice(s![..;2]), ct_a.copy(), ct_a.slice(s![..;-1])];",
    ),
    (
        "ct_params = {'w': ct_a[4:8], 'b': ct_a[8:], 'odd': ct_a[1::2]}",
        "let ct_params: HashMap<String, NpArray<f64>> = HashMap::from(["
        '("w".to_owned(), ct_a.slice(s![4..8])), ("b".to_owned(), ct_a.slice(s![8..])), '
        '("odd".to_owned(), ct_a.slice(s![1..;2]))]);',
    ),
    (
        "ct_pair = (ct_layers[1][1:3], np.zeros(3))",
        "let ct_pair = (ct_layers[1].slice(s![1..3]), np::zeros(3));",
    ),
    (
        "ct_grid = {'m': (np.arange(12.0).reshape(3, 4), [ct_a[:4]])}",
        'let ct_grid: BTreeMap<&str, (NpArray<f64>, Vec<Option<NpArray<f64>>>)> = BTreeMap::from([("m", '
        "(np::arange(0.0, 12.0, 1.0).reshape(&[3, 4]), vec![Some(ct_a.slice(s![..4]))]))]);",
    ),
    ("ct_grid_t = ct_grid['m'][0].T", 'let ct_grid_t = ct_grid["m"].0.t();'),
]


def python_paths(name: str, value: object) -> dict[str, np.ndarray]:
    """Every array inside `value`, by the path Rust writes for it: `[i]` for
    a list's items, `["key"]` for a dict's values, `.i` for a tuple's."""
    if isinstance(value, np.ndarray):
        return {name: value}
    found: dict[str, np.ndarray] = {}
    if isinstance(value, list):
        for i, item in enumerate(value):
            found |= python_paths(f"{name}[{i}]", item)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            found |= python_paths(f"{name}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            found |= python_paths(f'{name}["{key}"]', item)
    return found


def test_arrays_in_lists_dicts_and_tuples_agree_with_numpy(kernel) -> None:
    kc = kernel.kc
    namespace: dict[str, object] = {"np": np}
    table = None
    for statement, rust in CONTAINERS:
        exec(statement, namespace)  # noqa: S102 - our own fixed statements
        table = memory(kc, rust)
    arrays: dict[str, np.ndarray] = {}
    for statement, _ in CONTAINERS:
        name = statement.split(" = ")[0]
        arrays |= python_paths(name, namespace[name])
    kernel_rows = rows(table)
    names = sorted(arrays)
    assert set(names) <= set(kernel_rows), set(names) - set(kernel_rows)
    assert "ct_grid[\"m\"].1[0]" in names and "ct_pair.0" in names

    disagreements = disagreements_with_numpy(names, arrays, kernel_rows, private_copies=set())
    assert disagreements == [], "\n".join(disagreements)
    roles = {numpy_role(n, arrays, set()) for n in names}
    assert roles == {"alias", "owner", "view"}
    for name in names:
        assert kernel_rows[name]["variable"] == name.split("[")[0].split(".")[0]


def random_layouts(count: int, seed: int) -> list[tuple[list[int], list[tuple[int, int, int]], list[int]]]:
    """`count` views of `np.arange(n).reshape(shape)` with n <= 48 and up to
    four axes: per axis a slice (start, stop, step; a negative step runs
    over the whole axis, where ndarray's `s![]` and Python's agree), then a
    permutation of the axes."""
    rng = np.random.default_rng(seed)
    layouts = []
    while len(layouts) < count:
        ndim = int(rng.integers(1, 5))
        shape = [int(rng.integers(1, 5)) for _ in range(ndim)]
        if int(np.prod(shape)) > 48:
            continue
        slices = []
        for length in shape:
            step = int(rng.choice([1, 2, 3, -1, -2]))
            if step < 0:
                slices.append((0, length, step))
            else:
                start = int(rng.integers(0, length))
                slices.append((start, int(rng.integers(start, length + 1)), step))
        layouts.append((shape, slices, [int(axis) for axis in rng.permutation(ndim)]))
    return layouts


def numpy_view(shape, slices, permutation) -> np.ndarray:
    base = np.arange(int(np.prod(shape))).reshape(shape)
    index = tuple(slice(None, None, step) if step < 0 else slice(start, stop, step) for start, stop, step in slices)
    return base[index].transpose(permutation)


def rust_view(shape, slices, permutation) -> str:
    """The same view in Rust, over a buffer whose element at position p
    holds 3p - 5 (see `value_at`), so values and positions differ."""
    ranges = ", ".join(f"..;{step}" if step < 0 else f"{start}..{stop};{step}" for start, stop, step in slices)
    n = int(np.prod(shape))
    return (
        f"let pic_base = np::arange(-5, {3 * n - 5}, 3).reshape(&{list(shape)});\n"
        f"let pic_view = pic_base.slice(s![{ranges}]).permuted_axes(&{list(permutation)});"
    )


def value_at(position: int) -> str:
    """What `rust_view`'s buffer holds at `position`, as Rust prints it."""
    return str(3 * position - 5)


def picture_line(text: str, name: str) -> list[str]:
    """The cells of `name`'s bar in the text picture."""
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == name and len(parts) > 1 and parts[1] != "|" and not parts[1].startswith("("):
            cells = parts[1:]
            # Single-digit pictures are written without separators.
            return cells if len(cells) > 1 else list(cells[0])
    raise AssertionError(f"no picture line for {name}:\n{text}")


def run_layout(kc, shape, slices, permutation):
    """Makes the layout in NumPy (over positions) and in the kernel (over
    `value_at`); returns NumPy's view, the kernel's row for it, the text
    table and a name for the case."""
    view = numpy_view(shape, slices, permutation)
    reply, msgs = run(kc, rust_view(shape, slices, permutation))
    assert reply["content"]["status"] == "ok", reply["content"]
    (table,) = tables(msgs)
    text = next(
        m["content"]["data"]["text/plain"]
        for m in msgs
        if m["msg_type"] == "display_data" and MEMORY_MIME in m["content"]["data"]
    )
    return view, rows(table)["pic_view"], text, f"{shape} {slices} {permutation}"


def test_picture_order_and_offset_agree_with_numpy(fresh_kernel) -> None:
    kc = fresh_kernel.kc
    for shape, slices, permutation in random_layouts(24, seed=27):
        view, row, text, case = run_layout(kc, shape, slices, permutation)
        assert row["shape"] == list(view.shape), case
        if view.size == 0:
            assert row["offset"] in (None, 0), case
            continue
        # Each element of NumPy's view holds its position in the buffer.
        assert row["offset"] == int(view.flat[0]), case
        expected = ["."] * int(np.prod(shape))
        for order, position in enumerate(view.flatten(order="C")):
            if expected[position] == ".":
                expected[position] = str(order)
            elif not expected[position].endswith("+"):
                expected[position] += "+"
        assert picture_line(text, "pic_view") == expected, f"{case}\n{text}"
        # The values, in the view's C order, in the JSON...
        positions = [int(p) for p in view.flatten(order="C")]
        assert row["values"] == {"head": [value_at(p) for p in positions], "tail": []}, case
        # ...and under the picture, the value at each position of the buffer
        # (the base covers all of it), when the line fits.
        n = int(np.prod(shape))
        buffer_values = [value_at(p) for p in range(n)]
        lines = [line.split() for line in text.splitlines()]
        values_line = next((parts[1:] for parts in lines if parts[:1] == ["(values)"]), None)
        if n * (max(map(len, buffer_values)) + 1) <= 100:
            assert values_line == buffer_values, f"{case}\n{text}"
        elif values_line is not None:
            assert values_line == buffer_values, f"{case}\n{text}"


def test_first_and_last_values_of_long_views_agree_with_numpy(fresh_kernel) -> None:
    """Arrays too long to send every value send three at each end, in
    their own C order, as NumPy's `flatten()` lists them."""
    kc = fresh_kernel.kc
    rng = np.random.default_rng(28)
    for _ in range(8):
        ndim = int(rng.integers(1, 4))
        shape = [int(rng.integers(8, 20)) for _ in range(ndim)]
        slices = [(0, length, int(rng.choice([1, 2, -1, -3]))) for length in shape]
        permutation = [int(axis) for axis in rng.permutation(ndim)]
        view, row, text, case = run_layout(kc, shape, slices, permutation)
        positions = [int(p) for p in view.flatten(order="C")]
        values = [value_at(p) for p in positions]
        if len(positions) <= 48:
            assert row["values"] == {"head": values, "tail": []}, case
        else:
            assert row["values"] == {"head": values[:3], "tail": values[-3:]}, case
        if int(np.prod(shape)) <= 48:
            continue
        # A buffer drawn as runs: the bar ends with the same values.
        ends = values if len(values) <= 6 else values[:3] + ["..."] + values[-3:]
        assert f"{len(values)} elements: {', '.join(ends)}" in text, f"{case}\n{text}"
