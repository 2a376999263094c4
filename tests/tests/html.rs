//! The HTML view's page as text: its data, its order of steps, that it is
//! one self-contained file, and that no name can break out of its script.
//! tests/browser.rs runs the pages in Chromium.

use tapegrad::{Detail, Graph, Tape};

mod tutorial;
use tutorial::tutorial;

/// The page's JSON blob.
fn data(html: &str) -> &str {
    let start = html.find("id=\"tg-data\">").expect("a data block") + "id=\"tg-data\">".len();
    let len = html[start..].find("</script>").unwrap();
    &html[start..start + len]
}

#[test]
fn the_tutorial_page_data_is_as_snapshotted() {
    let tape = Tape::new();
    let [.., z] = tutorial(&tape);
    let html = Graph::with_gradients(&z.backward())
        .detail(Detail::Named)
        .to_html();
    // One node or edge per line, to read the snapshot's diffs.
    let lines = data(&html).replace("},{", "},\n{").replace("],", "],\n");
    insta::assert_snapshot!("html_tutorial_data", lines);
    // The same page every time.
    let again = Graph::with_gradients(&z.backward())
        .detail(Detail::Named)
        .to_html();
    assert_eq!(html, again);
}

#[test]
fn steps_run_in_reverse_tape_order_from_the_output() {
    let tape = Tape::new();
    let [.., z] = tutorial(&tape);
    let graph = Graph::with_gradients(&z.backward()).detail(Detail::Named);
    let blob: serde_json::Value = serde_json::from_str(data(&graph.to_html())).unwrap();
    // z (id 4) first, then y (tape index 6) before x (4): the engine's
    // sweep, so ∂z/∂b is 2·18 + 3·9, then the leaves b and w.
    assert_eq!(blob["steps"], serde_json::json!([4, 3, 2, 1, 0]));
    assert_eq!(blob["output"], 4);
    assert_eq!(blob["out"], "z");
    assert_eq!(blob["nodes"][1]["adjoint"], 63);
}

#[test]
fn contributions_the_op_table_forms_otherwise_are_in_the_data() {
    // ln sends g / x, which differs from (1/x)·g in the last bit at
    // x = 7, g = 0.1, and relu below zero sends nothing at all.
    let tape = Tape::new();
    let x = tape.var(7.0).named("x");
    let l = x.ln() * 0.1;
    let r = (-x).relu();
    let z = (l + r).named("z");
    let g = z.backward();
    let graph = Graph::with_gradients(&g);
    let blob: serde_json::Value = serde_json::from_str(data(&graph.to_html())).unwrap();
    let edges = blob["edges"].as_array().unwrap();
    let ln = graph.nodes().iter().find(|n| n.op_name() == "ln").unwrap();
    let relu = graph
        .nodes()
        .iter()
        .find(|n| n.op_name() == "relu")
        .unwrap();
    let into = |id: usize| edges.iter().find(|e| e["to"] == id).unwrap();
    // The ln edge: partial 1/7, adjoint 0.1; the engine sends 0.1 / 7.
    let (p, adjoint) = (1.0 / 7.0, ln.adjoint.unwrap());
    assert_eq!(adjoint, 0.1);
    assert_eq!(into(ln.id)["p"].as_f64().unwrap(), p);
    assert_ne!(p * adjoint, adjoint / 7.0, "the two forms differ here");
    assert_eq!(into(ln.id)["d"].as_f64().unwrap(), adjoint / 7.0);
    // The relu edge: partial 0, and the engine sends nothing.
    assert_eq!(into(relu.id)["d"], serde_json::Value::Null);
    // Edges whose contribution is partial × adjoint carry no `d`: z's.
    assert!(
        edges
            .iter()
            .filter(|e| e["to"] == graph.output_ids()[0])
            .all(|e| e.get("d").is_none())
    );
}

#[test]
fn the_page_loads_nothing_and_names_cannot_close_its_scripts() {
    let tape = Tape::new();
    let x = tape
        .var(2.0)
        .named("</script><script>alert(1)</script><!--");
    let y = (x * x).named("y & <b>");
    let html = Graph::with_gradients(&y.backward()).to_html();
    // The data block and the script are the only two scripts.
    assert_eq!(html.matches("</script>").count(), 2, "{html}");
    assert_eq!(html.matches("<script").count(), 2, "{html}");
    assert!(!html.contains("<!--"), "{html}");
    // Nothing to fetch: no source, link, import or address beyond the
    // SVG namespace and its own markers.
    for word in ["src=", "href=", "<link", "@import", "http://", "https://"] {
        let count = html.matches(word).count();
        let allowed = usize::from(word == "http://"); // xmlns of the <svg>
        assert_eq!(count, allowed, "{word} in the page");
    }
    let names: serde_json::Value = serde_json::from_str(data(&html)).unwrap();
    assert_eq!(
        names["nodes"][0]["name"],
        "</script><script>alert(1)</script><!--"
    );
}

#[test]
fn a_graph_without_gradients_shows_those_of_its_first_output() {
    let tape = Tape::new();
    let [w, b, .., z] = tutorial(&tape);
    let grads = z.grad_graph(&[w, b]);
    let graph = Graph::of_all(&[z, grads[0], grads[1]]);
    let blob: serde_json::Value = serde_json::from_str(data(&graph.to_html())).unwrap();
    // The gradients of z: ∂z/∂w = 18 on w, and the recorded gradient
    // nodes, which z does not depend on, are no steps.
    assert_eq!(blob["out"], "z");
    assert_eq!(blob["nodes"][0]["adjoint"], 18);
    let steps = blob["steps"].as_array().unwrap();
    let backward =
        |id: &serde_json::Value| blob["nodes"][id.as_u64().unwrap() as usize]["backward"] == true;
    assert!(!steps.is_empty() && !steps.iter().any(backward));
    assert!(
        blob["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["backward"] == true)
    );
}

#[test]
fn write_html_names_the_file_it_cannot_write() {
    let tape = Tape::new();
    let [.., z] = tutorial(&tape);
    let err = Graph::of(z)
        .write_html("/no/such/folder/z.html")
        .unwrap_err();
    assert!(err.to_string().contains("/no/such/folder/z.html"), "{err}");
}
