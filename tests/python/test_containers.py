"""The memory table looks inside containers: arrays kept in vectors, maps,
tuples, options, `Rc`s and the notebook's own structs get rows named by
their paths, related to every other array of the session.

Every test runs real cells in one shared kernel (names are unique per
test) and reads the table's JSON, text and HTML after them.
"""

from __future__ import annotations

from kernel_harness import all_text, run
from memory_table import MEMORY_MIME, gone, memory, rows, tables


def test_a_list_and_a_dict_of_views_share_memory_with_their_array(kc) -> None:
    memory(kc, "let cv_a = np::arange(0.0, 12.0, 1.0);")
    memory(kc, "let cv_layers = vec![cv_a.clone(), cv_a.slice(s![..;2])];")
    reply, msgs = run(
        kc,
        "let mut cv_params: HashMap<String, NpArray<f64>> = HashMap::new();\n"
        'cv_params.insert("w".into(), cv_a.slice(s![4..8]));',
    )
    assert reply["content"]["status"] == "ok", reply["content"]
    table = tables(msgs)[0]
    t = rows(table)
    assert t["cv_layers[0]"]["role"] == "alias" and t["cv_layers[0]"]["alias_of"] == ["cv_a"]
    for view in ("cv_layers[1]", 'cv_params["w"]'):
        assert t[view]["role"] == "view" and t[view]["base"] == "cv_a", t[view]
        assert t[view]["buffer"] == t["cv_a"]["buffer"]
    assert t["cv_a"]["shares_memory_with"] == ["cv_layers[0]", "cv_layers[1]", 'cv_params["w"]']
    assert t['cv_params["w"]']["path"] == 'cv_params["w"]'
    assert t['cv_params["w"]']["variable"] == "cv_params"
    assert t["cv_a"]["variable"] == "cv_a"
    assert table["version"] == 3
    # The same rows in the renderings people read.
    display = next(m for m in msgs if m["msg_type"] == "display_data" and MEMORY_MIME in m["content"]["data"])
    text = display["content"]["data"]["text/plain"]
    html = display["content"]["data"]["text/html"]
    for path in ("cv_layers[0]", "cv_layers[1]", 'cv_params["w"]'):
        assert path in text, text
    assert "cv_params[&quot;w&quot;]" in html
    resource = display["content"]["data"]["application/vnd.dataresource+json"]
    assert 'cv_params["w"]' in [record["name"] for record in resource["data"]]


def test_nested_containers_name_each_array_by_its_path(kc) -> None:
    t = rows(
        memory(
            kc,
            "let nc_base = np::arange(0.0, 6.0, 1.0);\n"
            "let nc_maybe = vec![None, Some(nc_base.slice(s![..3]))];\n"
            "let mut nc_pairs: HashMap<String, (NpArray<f64>, NpArray<f64>)> = HashMap::new();\n"
            'nc_pairs.insert("left".into(), (nc_base.slice(s![..2]), nc_base.copy()));\n'
            "let nc_boxed = Box::new((Array1::<f32>::zeros(4), vec![1_u8, 2, 3]));\n"
            "let nc_rc = std::rc::Rc::new(np::zeros(5));\n"
            "let nc_rcs = (nc_rc.clone(), Some(nc_rc.clone()));\n"
            "let nc_texts = vec![String::from(\"no arrays here\")];",
        )
    )
    assert t["nc_maybe[1]"]["base"] == "nc_base"
    assert t['nc_pairs["left"].0']["role"] == "view"
    assert t['nc_pairs["left"].1']["role"] == "owner"
    assert t['nc_pairs["left"].1']["shares_memory_with"] == []
    assert t["nc_boxed.0"]["type"] == "Array1<f32>" and t["nc_boxed.1"]["type"] == "Vec<u8>"
    # Two paths to one Rc allocation are the same array.
    assert t["nc_rcs.0"]["alias_of"] == ["nc_rc", "nc_rcs.1"]
    assert not any(name.startswith("nc_texts") for name in t)


def test_a_derived_struct_shows_its_fields_and_a_plain_one_says_how(kc) -> None:
    run(
        kc,
        "#[derive(Arrays)]\n"
        "struct DsLayer { w: NpArray<f64>, b: NpArray<f64>, name: String }\n"
        "#[derive(Arrays)]\n"
        "enum DsShape { Flat(NpArray<f64>), Empty }\n"
        "#[derive(Arrays)]\n"
        "struct DsWrapper<T> { inner: T, steps: u32 }\n"
        "struct DsPlain { w: NpArray<f64> }\n"
        "struct DsLater { w: NpArray<f64>, note: &'static str }",
    )
    table = memory(
        kc,
        "let ds_w = np::ones((2, 3));\n"
        'let ds_layer = DsLayer { w: ds_w.clone(), b: np::zeros(3), name: "dense".into() };\n'
        "let ds_shape = DsShape::Flat(ds_w.ravel());\n"
        "let ds_wrapped = DsWrapper { inner: vec![ds_w.slice(s![0, ..])], steps: 1 };\n"
        "let ds_plain = DsPlain { w: ds_w.clone() };",
    )
    t = rows(table)
    assert t["ds_layer.w"]["alias_of"] == ["ds_w"] and t["ds_layer.b"]["role"] == "owner"
    assert t["ds_shape.0"]["role"] == "view" and t["ds_shape.0"]["base"] == "ds_w"
    assert t["ds_wrapped.inner[0]"]["base"] == "ds_w"
    assert not any(name.startswith("ds_plain") for name in t)
    assert table["opaque"] == [{"variable": "ds_plain", "type": "DsPlain"}]
    reply, msgs = run(kc, "arrays!(DsLater { w });\nlet ds_later = DsLater { w: ds_w.slice(s![1, ..]), note: \"\" };")
    assert reply["content"]["status"] == "ok", all_text(msgs)
    assert rows(tables(msgs)[0])["ds_later.w"]["base"] == "ds_w"
    text = next(
        m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "display_data"
    )
    assert "ds_plain holds no arrays the table can see" in text and "#[derive(Arrays)]" in text


def test_moving_a_container_moves_its_rows(kc) -> None:
    memory(kc, "let mv_list = vec![np::zeros(4), np::ones(2)];")
    table = memory(kc, "let mv_kept = mv_list;")
    t = rows(table)
    assert {"mv_kept[0]", "mv_kept[1]"} <= set(t)
    went = gone(table)
    assert went["mv_list[0]"] == {"name": "mv_list[0]", "why": "moved", "into": "mv_kept[0]"}
    assert went["mv_list[1]"]["into"] == "mv_kept[1]"
    reply, msgs = run(kc, "mv_list.len()")
    assert reply["content"]["status"] == "error"
    assert "moved into `mv_kept`" in all_text(msgs)


def test_a_large_container_is_listed_in_part_and_counted_whole(kc) -> None:
    memory(kc, "let big_a = np::arange(0.0, 10.0, 1.0);")
    table = memory(
        kc,
        "let big_views: Vec<NpArray<f64>> = (0..100_000).map(|i| big_a.slice(s![i % 10..i % 10 + 1])).collect();",
    )
    listed = [row["name"] for row in table["variables"] if row["variable"] == "big_views"]
    assert listed == [f"big_views[{i}]" for i in range(10)]
    # The first 1,000 are described and compared, the rest counted.
    assert table["folded"] == [
        {"variable": "big_views", "arrays": 99_990, "not_compared": 99_000, "complete": True, "gone": 0}
    ]
    shares = rows(table)["big_a"]["shares_memory_with"]
    assert shares[:10] == listed and shares[10] == "... 990 more in big_views"


def test_a_cycle_through_rc_ends(kc) -> None:
    run(
        kc,
        "#[derive(Arrays)]\n"
        "struct CyNode { data: NpArray<f64>, next: Option<std::rc::Rc<std::cell::RefCell<CyNode>>> }",
    )
    t = rows(
        memory(
            kc,
            "let cy_first = std::rc::Rc::new(std::cell::RefCell::new(CyNode { data: np::zeros(3), next: None }));\n"
            "let cy_second = std::rc::Rc::new(std::cell::RefCell::new(CyNode { data: np::ones(2), next: Some(cy_first.clone()) }));\n"
            "cy_first.borrow_mut().next = Some(cy_second.clone());",
        )
    )
    assert {"cy_first.data", "cy_first.next.data", "cy_second.data", "cy_second.next.data"} <= set(t)
    assert t["cy_first.data"]["alias_of"] == ["cy_second.next.data"]
