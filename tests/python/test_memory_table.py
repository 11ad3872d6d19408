"""The memory table after real cells: owners, views, aliases and copy-on-write.

Every test runs Rust cells in one shared kernel (names are unique per test)
and asserts on the JSON rendering of the table that follows each cell.
"""

from __future__ import annotations

import pytest

from kernel_harness import Kernel, all_text, msg_type, of_type, outputs, request, run
from memory_table import MEMORY_MIME, gone, memory, rows, tables


def test_owner_copy_alias_view_and_view_of_a_view(kc) -> None:
    t = rows(memory(kc, "let x = np::arange(0.0, 10.0, 1.0);"))
    assert t["x"]["role"] == "owner" and t["x"]["changed"] == "new"
    assert (t["x"]["shape"], t["x"]["strides"], t["x"]["bytes"]) == ([10], [1], 80)
    t = rows(
        memory(
            kc,
            "let x_alias = x.clone();\n"
            "let x_copy = x.copy();\n"
            "let x_view = x.slice(s![2..6]);\n"
            "let x_inner = x_view.slice(s![1..3]);",
        )
    )
    assert t["x"]["role"] == t["x_alias"]["role"] == "alias"
    assert t["x"]["alias_of"] == ["x_alias"] and t["x_alias"]["alias_of"] == ["x"]
    assert t["x_copy"]["role"] == "owner" and t["x_copy"]["buffer"] != t["x"]["buffer"]
    assert t["x_copy"]["shares_memory_with"] == []
    for view in ("x_view", "x_inner"):
        assert t[view]["role"] == "view"
        assert t[view]["base"] == "x", "a view of a view names the owner, as NumPy's base does"
        assert t[view]["buffer"] == t["x"]["buffer"]
    assert t["x_inner"]["shares_memory_with"] == ["x", "x_alias", "x_view"]
    assert t["x"]["changed"] == "unchanged" and t["x_view"]["changed"] == "new"


def test_writing_through_a_view_changes_its_base(kc) -> None:
    memory(kc, "let w = np::zeros(&[6]);\nlet w_left = w.slice(s![..3]);\nlet w_right = w.slice(s![3..]);")
    reply, msgs = run(kc, 'w_left.fill(7.0);\nprintln!("{w}");')
    assert "[7, 7, 7, 0, 0, 0]" in all_text(msgs).replace(".0", "").replace(".", "")
    t = rows(tables(msgs)[0])
    assert t["w_left"]["changed"] == "modified" and t["w"]["changed"] == "modified"
    assert t["w_right"]["changed"] == "unchanged", "a disjoint slice was not written"


def test_matrix_rows_columns_transpose_and_reshape(kc) -> None:
    t = rows(
        memory(
            kc,
            "let m = NpArray::<f64>::zeros(&[3, 4]);\n"
            "let m_row = m.slice(s![1, ..]);\n"
            "let m_col = m.slice(s![.., 2]);\n"
            "let m_t = m.t();\n"
            "let m_flat = m.reshape(&[12]);\n"
            "let m_t_flat = m_t.reshape(&[12]);",
        )
    )
    assert (t["m"]["strides"], t["m"]["c_contiguous"], t["m"]["f_contiguous"]) == ([4, 1], True, False)
    assert t["m_row"]["strides"] == [1] and t["m_col"]["strides"] == [4]
    assert t["m_row"]["shares_memory_with"] == ["m", "m_col", "m_flat", "m_t"]
    assert (t["m_t"]["strides"], t["m_t"]["f_contiguous"]) == ([1, 4], True)
    assert t["m_flat"]["role"] == "view", "reshaping a C-contiguous array is a view"
    assert t["m_t_flat"]["role"] == "owner", "reshaping a transpose to 1-D must copy"
    assert t["m_t_flat"]["shares_memory_with"] == []


def test_reversed_interleaved_disjoint_and_broadcast(kc) -> None:
    t = rows(
        memory(
            kc,
            "let r = np::arange(0.0, 10.0, 1.0);\n"
            "let r_rev = r.slice(s![..;-1]);\n"
            "let r_even = r.slice(s![..;2]);\n"
            "let r_odd = r.slice(s![1..;2]);\n"
            "let r_head = r.slice(s![..5]);\n"
            "let r_tail = r.slice(s![5..]);\n"
            "let r_bc = np::broadcast_to(&r.slice(s![3..4]), &[2, 3]).unwrap();",
        )
    )
    assert t["r_rev"]["strides"] == [-1] and "r" in t["r_rev"]["shares_memory_with"]
    assert "r_odd" not in t["r_even"]["shares_memory_with"]
    assert "r_odd" in t["r_even"]["bounds_overlap_with"], "bounds overlap, elements do not"
    assert "r_tail" not in t["r_head"]["shares_memory_with"]
    assert "r_tail" not in t["r_head"]["bounds_overlap_with"]
    bc = t["r_bc"]
    assert (bc["strides"], bc["writeable"], bc["role"]) == ([0, 0], False, "view")
    assert "r_odd" in bc["shares_memory_with"] and "r_even" not in bc["shares_memory_with"]


def test_integer_and_mask_indexing_copy(kc) -> None:
    t = rows(
        memory(
            kc,
            "let f = np::arange(0.0, 10.0, 1.0);\n"
            "let f_fancy = f.take(&[1, 3, 5], 0);\n"
            "let f_masked = f.mask(&f.map(|v| v > 4.0));",
        )
    )
    for copy in ("f_fancy", "f_masked"):
        assert t[copy]["role"] == "owner" and t[copy]["shares_memory_with"] == []
        assert t[copy]["buffer"] != t["f"]["buffer"]
    assert t["f_masked"]["shape"] == [5]


def test_arc_array_clones_are_copy_on_write_until_written_then_split(kc) -> None:
    t = rows(
        memory(
            kc,
            "let mut arc_a = ndarray::arr1(&[1.0, 2.0, 3.0]).into_shared();\n"
            "let arc_b = arc_a.clone();",
        )
    )
    assert t["arc_a"]["role"] == t["arc_b"]["role"] == "copy-on-write"
    assert t["arc_a"]["copy_on_write_with"] == ["arc_b"] and t["arc_b"]["copy_on_write_with"] == ["arc_a"]
    # A write through one handle copies first, so the other never sees it.
    assert t["arc_a"]["alias_of"] == t["arc_b"]["alias_of"] == []
    assert t["arc_a"]["buffer"] == t["arc_b"]["buffer"]
    assert t["arc_a"]["shares_memory_with"] == ["arc_b"], "they share memory until one is written"
    t = rows(memory(kc, "arc_a[0] = 10.0;"))
    assert t["arc_a"]["role"] == t["arc_b"]["role"] == "owner"
    assert t["arc_a"]["copy_on_write_with"] == t["arc_b"]["copy_on_write_with"] == []
    assert t["arc_a"]["buffer"] != t["arc_b"]["buffer"]
    assert (t["arc_a"]["changed"], t["arc_b"]["changed"]) == ("modified", "unchanged")
    assert t["arc_a"]["shares_memory_with"] == []


def test_moves_and_drops_are_listed_with_why(kc) -> None:
    memory(kc, "let mv_a = vec![1.0_f64, 2.0, 3.0];\nlet mv_c = np::zeros(&[2]);")
    table = memory(kc, "let mv_b = mv_a;\ndrop(mv_c);")
    assert gone(table)["mv_a"] == {"name": "mv_a", "why": "moved", "into": "mv_b"}
    assert gone(table)["mv_c"] == {"name": "mv_c", "why": "dropped", "into": None}
    assert rows(table)["mv_b"]["role"] == "owner"


def test_empty_like_allocates_without_copying(kc) -> None:
    reply, msgs = run(
        kc,
        "let el = np::arange(1.0, 5.0, 1.0);\n"
        "let el_new = np::empty_like(&el);\n"
        'println!("{}", el_new);',
    )
    assert reply["content"]["status"] == "ok"
    assert "[0, 0, 0, 0]" in all_text(msgs).replace(".0", "").replace(".", "")
    t = rows(tables(msgs)[0])
    assert t["el_new"]["role"] == "owner" and t["el_new"]["shares_memory_with"] == []
    assert t["el_new"]["shape"] == t["el"]["shape"] and t["el_new"]["dtype"] == "f64"


def test_shapes_are_written_as_in_numpy(kc) -> None:
    # NumPy's np.zeros(3), np.ones((2, 3)) and np.empty([2, 3]); a shape
    # taken from another array; another element type.
    reply, msgs = run(
        kc,
        "let sh_int = np::zeros(3);\n"
        "let sh_tuple = np::ones((2, 3));\n"
        "let sh_slice = np::empty(&[2, 3]);\n"
        "let sh_like = np::full(sh_tuple.shape(), 7_u8);\n"
        "let sh_i32 = NpArray::<i32>::zeros((2, 2));",
    )
    assert reply["content"]["status"] == "ok", all_text(msgs)
    t = rows(tables(msgs)[0])
    shapes = {name: (t[name]["shape"], t[name]["dtype"]) for name in t if name.startswith("sh_")}
    assert shapes == {
        "sh_int": ([3], "f64"),
        "sh_tuple": ([2, 3], "f64"),
        "sh_slice": ([2, 3], "f64"),
        "sh_like": ([2, 3], "u8"),
        "sh_i32": ([2, 2], "i32"),
    }


def test_plain_ndarray_types_and_element_types(kc) -> None:
    code = "\n".join(
        [
            "let pl_vec: Vec<i64> = vec![1, 2, 3];",
            "let pl_box: Box<[u16]> = vec![1, 2].into_boxed_slice();",
            "let pl_a2 = ndarray::Array2::<u8>::zeros((2, 3));",
            "let pl_a6 = ndarray::Array6::<f32>::zeros((1, 2, 1, 2, 1, 2));",
            "let pl_dyn = ndarray::ArrayD::<bool>::from_elem(vec![2, 2], true);",
            "let pl_cow = ndarray::CowArray::from(ndarray::arr1(&[1i8, 2]));",
            "static PL_DATA: [u32; 4] = [1, 2, 3, 4];",
            "let pl_static: ndarray::ArrayView1<'static, u32> = ndarray::ArrayView1::from(&PL_DATA);",
        ]
    )
    t = rows(memory(kc, code))
    expected = {
        "pl_vec": ("Vec<i64>", "i64", "owner"),
        "pl_box": ("Box<[u16]>", "u16", "owner"),
        "pl_a2": ("Array2<u8>", "u8", "owner"),
        "pl_a6": ("Array6<f32>", "f32", "owner"),
        "pl_dyn": ("ArrayD<bool>", "bool", "owner"),
        "pl_cow": ("CowArray<i8, Ix1>", "i8", "owner"),
        "pl_static": ("ArrayView1<u32>", "u32", "view"),
    }
    for name, (type_name, dtype, role) in expected.items():
        assert (t[name]["type"], t[name]["dtype"], t[name]["role"]) == (type_name, dtype, role), name
    assert t["pl_static"]["base"] is None and t["pl_static"]["base_is_gone"]
    assert t["pl_static"]["writeable"] is False
    assert t["pl_a6"]["shape"] == [1, 2, 1, 2, 1, 2]


@pytest.mark.parametrize(
    "dtype", ["f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize"]
)
def test_every_numeric_element_type(kc, dtype: str) -> None:
    name = f"et_{dtype}"
    t = rows(memory(kc, f"let {name} = ndarray::Array1::<{dtype}>::zeros(3);"))
    assert (t[name]["dtype"], t[name]["type"]) == (dtype, f"Array1<{dtype}>")


def test_table_follows_the_result_and_never_uses_application_json(kc) -> None:
    reply, msgs = run(kc, "let tf = np::zeros(&[2]);\ntf.len()")
    kinds = [msg_type(m) for m in outputs(msgs)]
    assert kinds == ["execute_result", "display_data"]
    data = of_type(msgs, "display_data")[0]["content"]["data"]
    assert set(data) == {"text/plain", "text/html", MEMORY_MIME, "application/vnd.dataresource+json"}
    assert "tf" in data["text/plain"] and "<table" in data["text/html"]
    # The Table Schema form text front ends (Zed's REPL) render as a table.
    resource = data["application/vnd.dataresource+json"]
    fields = [f["name"] for f in resource["schema"]["fields"]]
    assert fields[:7] == ["name", "type", "dtype", "shape", "strides", "bytes", "role"], fields
    (record,) = [r for r in resource["data"] if r["name"] == "tf"]
    assert (record["role"], record["bytes"], record["shape"]) == ("owner", 16, "[2]"), record
    table = data[MEMORY_MIME]
    assert table["version"] == 3
    assert table["execution_count"] == reply["content"]["execution_count"]
    assert "address" not in rows(table)["tf"], "no addresses unless asked"


def test_error_cells_show_only_their_error(kc) -> None:
    for failing in ("let bad: i32 = \"text\";", 'panic!("boom");'):
        reply, msgs = run(kc, failing)
        assert reply["content"]["status"] == "error"
        assert [msg_type(m) for m in outputs(msgs)] == ["error"]


def test_memory_commands(kc) -> None:
    reply, msgs = run(kc, ":memory off")
    assert reply["content"]["status"] == "ok" and outputs(msgs) == []
    reply, msgs = run(kc, "let mc = np::zeros(&[1]);")
    assert tables(msgs) == [], "off means no table"
    reply, msgs = run(kc, ":memory")
    assert "mc" in rows(tables(msgs)[0]), "`:memory` shows the table now"
    reply, msgs = run(kc, ":memory addresses\nlet mc2 = np::zeros(&[1]);")
    assert rows(tables(msgs)[0])["mc2"]["address"].startswith("0x")
    reply, msgs = run(kc, ":memory on")
    reply, msgs = run(kc, "let mc3 = np::zeros(&[1]);")
    assert "address" not in rows(tables(msgs)[0])["mc3"]
    reply, msgs = run(kc, ":memory sideways")
    assert reply["content"]["status"] == "error" and "on, off" in reply["content"]["evalue"]
    # On demand: one array's buffers, with the grid of the array asked for.
    run(kc, "let mc_grid = np::arange(0, 6, 1).reshape(&[2, 3]);\nlet mc_grid_t = mc_grid.t();")
    reply, msgs = run(kc, ":memory show mc_grid_t")
    (shown,) = tables(msgs)
    assert {"mc_grid", "mc_grid_t"} <= set(rows(shown)) and "mc" not in rows(shown)
    text = next(m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "display_data")
    assert "mc_grid_t (3 x 2): the buffer position each element reads" in text, text
    assert "0 3\n" in text and "2 5" in text, text
    reply, msgs = run(kc, ":memory show no_such_array")
    assert "No array named no_such_array" in all_text(msgs)


def test_persisting_a_borrowed_view_gets_a_hint_under_the_error(kc) -> None:
    memory(kc, "let hv = ndarray::Array1::<f64>::zeros(4);")
    reply, msgs = run(kc, "let hv_view = hv.view();")
    assert reply["content"]["status"] == "error"
    traceback = "\n".join(reply["content"]["traceback"])
    assert "can't be persisted" in traceback, "evcxr's error stays"
    assert traceback.index("can't be persisted") < traceback.index("hint:")
    assert "NpArray" in traceback and "slice(s![" in traceback


def test_no_table_before_any_array(fresh_kernel: Kernel) -> None:
    kc = fresh_kernel.kc
    reply, msgs = run(kc, "let n = 1;", timeout=180)
    assert reply["content"]["status"] == "ok" and tables(msgs) == []
    t = rows(memory(kc, "let first = np::zeros(&[3]);"))
    assert t["first"]["buffer"] == "buf1"


def test_a_view_outlives_its_dropped_owner(kc) -> None:
    memory(kc, "let od = np::arange(0.0, 4.0, 1.0);\nlet od_view = od.slice(s![1..]);")
    table = memory(kc, "drop(od);")
    view = rows(table)["od_view"]
    assert (view["role"], view["base"], view["base_is_gone"]) == ("view", None, True)
    assert gone(table)["od"]["why"] == "dropped"


def test_arc_array_windows_are_copy_on_write_with_the_full_holder_as_base(kc) -> None:
    t = rows(
        memory(
            kc,
            "let aw = ndarray::Array2::<f64>::zeros((3, 4)).into_shared();\n"
            "let aw_rev = aw.clone().slice_move(s![..;-1, ..]);\n"
            "let aw_t = aw.clone().reversed_axes();",
        )
    )
    holders = ["aw", "aw_rev", "aw_t"]
    assert (t["aw"]["role"], t["aw"]["base"]) == ("copy-on-write", None)
    for window in ("aw_rev", "aw_t"):
        assert (t[window]["role"], t[window]["base"]) == ("copy-on-write", "aw"), window
    for name in holders:
        assert t[name]["copy_on_write_with"] == [h for h in holders if h != name], name
        assert t[name]["alias_of"] == [], name


def test_a_growing_vec_keeps_its_buffer_id_and_rebinding_makes_a_new_array(kc) -> None:
    before = rows(memory(kc, "let mut gv: Vec<f64> = vec![1.0];\nlet sh = np::zeros(&[2]);"))
    after = rows(memory(kc, "gv.extend(std::iter::repeat(2.0).take(10_000));\nlet sh = np::ones(&[3]);"))
    assert after["gv"]["buffer"] == before["gv"]["buffer"]
    assert (after["gv"]["changed"], after["gv"]["shape"]) == ("modified", [10_001])
    assert after["sh"]["changed"] == "new" and after["sh"]["buffer"] != before["sh"]["buffer"]


def test_a_name_that_was_moved_away_gets_a_hint(kc) -> None:
    memory(kc, "let mh = np::zeros(&[2]);")
    memory(kc, "let mh_new_home = mh;")
    reply, _ = run(kc, "mh.len()")
    assert reply["content"]["status"] == "error"
    traceback = "\n".join(reply["content"]["traceback"])
    assert "cannot find value `mh`" in traceback
    assert "hint: `mh` was moved into `mh_new_home`" in traceback


def test_an_nparray_result_shows_its_elements(kc) -> None:
    reply, msgs = run(kc, "np::arange(0, 3, 1)")
    assert reply["content"]["status"] == "ok"
    results = [m for m in msgs if msg_type(m) == "execute_result"]
    assert results[0]["content"]["data"]["text/plain"] == "[0, 1, 2]"


def test_inspecting_a_variable_in_detail_shows_its_memory(kc) -> None:
    """inspect_request at detail_level 1 (JupyterLab's Shift+Tab twice, the
    inspector panel) adds the variable's rows of the memory table to what
    rust-analyzer says; level 0 is rust-analyzer's alone."""
    run(kc, "let insp_base = np::arange(0, 6, 1);\nlet insp_t = insp_base.reshape(&[2, 3]).t();")
    code = "insp_t"
    brief = request(kc, "inspect_request", {"code": code, "cursor_pos": 3, "detail_level": 0})["content"]
    assert brief["found"] is True and "view of insp_base" not in brief["data"]["text/plain"], brief
    detailed = request(kc, "inspect_request", {"code": code, "cursor_pos": 3, "detail_level": 1})["content"]
    assert detailed["status"] == "ok" and detailed["found"] is True
    text, html = detailed["data"]["text/plain"], detailed["data"]["text/html"]
    assert text.startswith(brief["data"]["text/plain"]), "rust-analyzer's part comes first"
    assert "view of insp_base" in text and "[3, 2]" in text and "[1, 3]" in text, text
    assert "insp_t (3 x 2): the buffer position each element reads" in text, text
    assert "view of insp_base" in html and "<table" in html
    # A name that holds no array gets rust-analyzer's part alone.
    run(kc, "let insp_number = 7_u8;")
    plain = request(kc, "inspect_request", {"code": "insp_number", "cursor_pos": 4, "detail_level": 1})["content"]
    assert plain["found"] is True and "Memory after" not in plain["data"]["text/plain"], plain


@pytest.mark.timeout(900)
def test_arrays_lost_to_a_rebuilt_dependency_leave_the_table(fresh_kernel: Kernel, tmp_path) -> None:
    """A `:dep` whose features change a crate the prelude depends on
    (here num-traits' `libm`) rebuilds ndarray and the prelude; evcxr then
    finds the variables of their types redefined and forgets them. The
    table must not go on listing them: they are gone."""
    kc = fresh_kernel.kc
    crate = tmp_path / "feature_probe"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "feature_probe"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nnum-traits = { version = "0.2", default-features = false, features = ["std", "libm"] }\n'
    )
    (crate / "src" / "lib.rs").write_text("pub fn answer() -> u32 { 42 }\n")
    t = rows(memory(kc, "let lost_base = np::arange(0, 4, 1);\nlet lost_view = lost_base.slice(s![1..3]);", timeout=180))
    assert set(t) == {"lost_base", "lost_view"}
    reply, _ = run(kc, f':dep feature_probe = {{ path = "{crate}" }}', timeout=600)
    assert reply["content"]["status"] == "ok", reply["content"]
    reply, msgs = run(kc, "let kept = np::arange(0, 2, 1);", timeout=600)
    assert reply["content"]["status"] == "ok", reply["content"]
    text = all_text(msgs)
    assert "lost_base was redefined, so was lost" in text, text
    [table] = tables(msgs)
    assert set(rows(table)) == {"kept"}, "the lost arrays are not listed"
    assert {"lost_base", "lost_view"} <= set(gone(table)), table["gone"]
