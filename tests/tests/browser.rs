//! The HTML view (`Graph::to_html`) in a real browser: headless Chromium
//! loads the pages from files and the test steps through their sweeps.
//!
//! Built only with the `browser` feature (it brings headless_chrome) and
//! ignored, so the default `cargo test` neither builds its dependencies nor
//! needs Chromium; `.ci/run` installs Chromium and runs it, and so does
//! `cargo test -p tapegrad-tests --features browser --test browser -- --ignored`
//! (Debian's `chromium` package; another binary through
//! `TAPEGRAD_CHROMIUM`). With `TAPEGRAD_UPDATE_PICTURES=1` it also
//! writes the screenshot docs/graph-dumps.md shows.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::protocol::cdp::Page;
use headless_chrome::protocol::cdp::Runtime::ConsoleAPICalledEventTypeOption;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;
use tapegrad::graph::format_number;
use tapegrad::{Detail, Graph, Tape, Var};

mod tutorial;
use tutorial::tutorial;

const IGNORED: &str = "needs Chromium: run `cargo test -p tapegrad-tests --features browser --test browser -- --ignored`";

/// The bound on a page's first contentful paint, in milliseconds: about
/// ten times what the 1,000-node page measured (docs/graph-dumps.md).
const PAINT_BOUND_MS: f64 = 3000.0;

fn chromium() -> PathBuf {
    let path = std::env::var_os("TAPEGRAD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "the browser test needs Chromium at {} (apt-get install chromium, or set TAPEGRAD_CHROMIUM)",
        path.display()
    );
    path
}

/// A browser of its own, with a fresh profile, that never reaches for the
/// network.
struct Session {
    browser: Browser,
    _profile: tempfile::TempDir,
    pages: tempfile::TempDir,
}

impl Session {
    fn new() -> Session {
        let profile = tempfile::tempdir().unwrap();
        let args: Vec<&OsStr> = [
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ]
        .iter()
        .map(OsStr::new)
        .collect();
        let options = LaunchOptions::default_builder()
            .path(Some(chromium()))
            .headless(true)
            .sandbox(false)
            .window_size(Some((1280, 800)))
            .user_data_dir(Some(profile.path().to_path_buf()))
            .idle_browser_timeout(Duration::from_secs(300))
            .args(args)
            .build()
            .unwrap();
        let browser = Browser::new(options).expect("Chromium starts");
        Session {
            browser,
            _profile: profile,
            pages: tempfile::tempdir().unwrap(),
        }
    }

    /// Writes `graph`'s page and opens it in a new tab, collecting console
    /// errors, uncaught exceptions and error log entries.
    fn open(&self, name: &str, graph: &Graph) -> Page_ {
        let path = self.pages.path().join(format!("{name}.html"));
        graph.write_html(&path).unwrap();
        let tab = self.browser.new_tab().unwrap();
        let errors = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = errors.clone();
        tab.enable_log().unwrap();
        tab.enable_runtime().unwrap();
        tab.add_event_listener(Arc::new(move |event: &Event| {
            let message = match event {
                Event::RuntimeExceptionThrown(e) => {
                    Some(format!("{:?}", e.params.exception_details))
                }
                Event::RuntimeConsoleAPICalled(e)
                    if e.params.Type == ConsoleAPICalledEventTypeOption::Error =>
                {
                    Some(format!("console.error {:?}", e.params.args))
                }
                Event::LogEntryAdded(e)
                    if format!("{:?}", e.params.entry.level).to_lowercase() == "error" =>
                {
                    Some(e.params.entry.text.clone())
                }
                _ => None,
            };
            if let Some(m) = message {
                sink.lock().unwrap().push(m);
            }
        }))
        .unwrap();
        tab.navigate_to(&format!("file://{}", path.display()))
            .unwrap();
        tab.wait_until_navigated().unwrap();
        Page_ { tab, errors, path }
    }
}

/// An open page.
struct Page_ {
    tab: Arc<Tab>,
    errors: Arc<Mutex<Vec<String>>>,
    path: PathBuf,
}

impl Page_ {
    /// Evaluates `expression`, which gives a JSON-able value.
    fn eval(&self, expression: &str) -> Value {
        let r = self
            .tab
            .evaluate(
                &format!("(async () => JSON.stringify({expression}))()"),
                true,
            )
            .unwrap();
        match r.value {
            Some(Value::String(s)) => serde_json::from_str(&s).unwrap(),
            other => panic!("`{expression}` gave {other:?} ({:?})", r.description),
        }
    }

    fn click(&self, selector: &str) {
        self.tab.find_element(selector).unwrap().click().unwrap();
    }

    fn key(&self, key: &str) {
        self.tab.press_key(key).unwrap();
    }

    /// How many steps the page has taken, of how many.
    fn at(&self) -> (u64, u64) {
        let v = self.eval("[tapegrad.at(), tapegrad.steps]");
        (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
    }

    /// Each node's adjoint line as shown, and its exact adjoint (a data
    /// attribute), by node id; `None` where none is shown.
    fn shown(&self) -> Vec<(String, Option<String>)> {
        let v = self.eval(
            "[...document.querySelectorAll('g[id^=node]')].map(g => [g.id, \
             [...g.querySelectorAll('tspan.tg-adjoint')].map(t => t.textContent).join(' ').trim(), \
             g.dataset.adjoint ?? null])",
        );
        let mut rows: Vec<(usize, String, Option<String>)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let id = r[0].as_str().unwrap()[4..].parse().unwrap();
                (
                    id,
                    r[1].as_str().unwrap().to_string(),
                    r[2].as_str().map(str::to_string),
                )
            })
            .collect();
        rows.sort_by_key(|r| r.0);
        rows.into_iter()
            .map(|(_, line, exact)| (line, exact))
            .collect()
    }

    fn status(&self) -> String {
        self.eval("document.getElementById('tg-status').textContent")
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The first contentful paint, in milliseconds after navigation.
    fn first_paint(&self) -> f64 {
        self.eval(
            "await new Promise(done => new PerformanceObserver((list, o) => { \
             const e = list.getEntriesByName('first-contentful-paint')[0]; \
             if (e) { o.disconnect(); done(e.startTime); } }).observe({ type: 'paint', buffered: true }))",
        )
        .as_f64()
        .unwrap()
    }

    fn assert_no_errors(&self) {
        // Errors reach the listener a little after they happen.
        std::thread::sleep(Duration::from_millis(200));
        let errors = self.errors.lock().unwrap();
        assert!(errors.is_empty(), "{}: {errors:?}", self.path.display());
        // Nothing was loaded: the page is one file.
        let loads = self.eval("performance.getEntriesByType('resource').length");
        assert_eq!(loads, 0, "{} loaded resources", self.path.display());
    }
}

/// The picture's label for a number, as `Graph::digits` rounds it (4
/// significant digits): `{:.3e}` rounds the exact value, half to even.
fn picture(x: f64) -> String {
    if !x.is_finite() {
        return format_number(x);
    }
    format_number(format!("{x:.3e}").parse().unwrap())
}

/// Steps a page through its whole sweep, alternating the button and the
/// arrow key, and returns what it showed after each step (the forward pass
/// first).
fn sweep(page: &Page_) -> Vec<Vec<(String, Option<String>)>> {
    let (_, total) = page.at();
    let mut seen = vec![page.shown()];
    for k in 1..=total {
        if k % 2 == 1 {
            page.click("#tg-step");
        } else {
            page.key("ArrowRight");
        }
        assert_eq!(page.at(), (k, total), "one step per press");
        seen.push(page.shown());
    }
    seen
}

/// After the sweep every node shows the engine's adjoint, rounded as the
/// picture rounds it, and carries it exactly.
fn assert_engine_adjoints(graph: &Graph, shown: &[(String, Option<String>)], out: &str) {
    assert_eq!(shown.len(), graph.nodes().len());
    for (n, (line, exact)) in graph.nodes().iter().zip(shown) {
        let Some(adjoint) = n.adjoint else { continue };
        let name = n.name.clone().unwrap_or(format!("%{}", n.id));
        assert_eq!(
            line,
            &format!("∂{out}/∂{name} = {}", picture(adjoint)),
            "node %{}",
            n.id
        );
        let exact: f64 = exact.as_deref().expect("an exact adjoint").parse().unwrap();
        assert_eq!(
            exact.to_bits(),
            adjoint.to_bits(),
            "node %{} bit for bit",
            n.id
        );
    }
}

#[test]
#[ignore = "needs Chromium: run `cargo test -p tapegrad-tests --features browser --test browser -- --ignored`"]
fn the_tutorial_page_sums_db_as_2_times_18_plus_3_times_9() {
    let _ = IGNORED;
    let session = Session::new();
    let tape = Tape::new();
    let [_, _, _, _, z] = tutorial(&tape);
    let graph = Graph::with_gradients(&z.backward()).detail(Detail::Named);
    let page = session.open("tutorial", &graph);
    page.assert_no_errors();

    // The forward pass: values, no adjoint yet.
    let forward = page.shown();
    assert!(
        forward
            .iter()
            .all(|(line, exact)| line.is_empty() && exact.is_none()),
        "{forward:?}"
    );
    assert!(
        page.status().starts_with("Forward pass"),
        "{}",
        page.status()
    );

    // Steps in reverse tape order: z, y, x, b, w (ids 4, 3, 2, 1, 0).
    let seen = sweep(&page);
    assert_eq!(seen.len(), 6);
    // Step 1: z seeds ∂z/∂z = 1 and sends ∂z/∂x = y = 9, ∂z/∂y = x = 18.
    assert_eq!(seen[1][4].0, "∂z/∂z = 1");
    assert_eq!(seen[1][2].0, "∂z/∂x = 9");
    assert_eq!(seen[1][3].0, "∂z/∂y = 18");
    assert_eq!(seen[1][1].0, "", "b has nothing yet");
    // Step 2: y sends 2 × 18 = 36 to b; step 3: x sends 3 × 9 = 27 more.
    assert_eq!(seen[2][1].0, "∂z/∂b = 36");
    assert_eq!(seen[3][1].0, "∂z/∂b = 63");
    assert_eq!(seen[3][0].0, "∂z/∂w = 18");
    assert_engine_adjoints(&graph, &seen[5], "z");
    assert!(
        page.status()
            .contains("equals the engine's gradient exactly"),
        "{}",
        page.status()
    );

    // Back undoes the last step, and again; the arrow key too.
    page.click("#tg-back");
    assert_eq!(page.shown(), seen[4]);
    page.key("ArrowLeft");
    assert_eq!(page.shown(), seen[3]);
    let status = page.status();
    assert!(
        status.contains("b gets 3 × 9 = 27 (∂z/∂b = 36 + 27 = 63)"),
        "{status}"
    );
    // The lit edge b → x shows its partial times x's adjoint.
    let lit =
        page.eval("[...document.querySelectorAll('g.tg-lit text')].map(t => t.textContent).sort()");
    assert_eq!(lit, serde_json::json!(["2 × 9 = 18", "3 × 9 = 27"]));

    if std::env::var_os("TAPEGRAD_UPDATE_PICTURES").is_some() {
        page.click("#tg-info"); // nothing pinned: hover text only
        let png = page
            .tab
            .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/img/tutorial-backprop.png");
        std::fs::write(docs, png).unwrap();
    }

    // Reset goes back to the forward pass.
    page.key("Home");
    assert_eq!(page.shown(), forward);
    page.click("#tg-end");
    assert_eq!(page.shown(), seen[5]);

    // Clicking a node pins its exact numbers in the panel.
    page.click("#node1 rect");
    let info = page.eval("document.getElementById('tg-info').textContent");
    let info = info.as_str().unwrap();
    for part in [
        "name",
        "b",
        "value4",
        "so far63",
        "engine's adjoint63",
        "op",
        "var",
    ] {
        assert!(info.contains(part), "{part} in {info}");
    }
    page.assert_no_errors();
}

#[test]
#[ignore = "needs Chromium: run `cargo test -p tapegrad-tests --features browser --test browser -- --ignored`"]
fn the_page_rounds_as_the_pictures_do() {
    let session = Session::new();
    let tape = Tape::new();
    let [_, _, _, _, z] = tutorial(&tape);
    let page = session.open("rounding", &Graph::with_gradients(&z.backward()));
    // Exact ties round half to even as Rust's formatting does (12345 →
    // 12340, 1.0625 → 1.062), others to nearest; exact forms as the text
    // dump writes them.
    let numbers = [
        12345.0,
        12355.0,
        -12345.0,
        1.0625,
        1.0635,
        0.1 + 0.2,
        1.0 / 3.0,
        2.5e-7,
        1e21,
        1e16,
        9999999999999998.0,
        1e-4,
        9.9995e-5,
        0.000123456,
        99995.0,
        5e-324,
        -0.0,
        0.0,
        123456789.0,
        f64::MAX,
        2.0 / 3.0 * 1e-300,
    ];
    let list: Vec<String> = numbers.iter().map(|x| format!("{x:e}")).collect();
    let v = page.eval(&format!(
        "[{}].map(x => [tapegrad.shown(x), tapegrad.exact(x)])",
        list.join(",")
    ));
    for (x, row) in numbers.iter().zip(v.as_array().unwrap()) {
        assert_eq!(row[0].as_str().unwrap(), picture(*x), "{x:e} rounded");
        assert_eq!(row[1].as_str().unwrap(), format_number(*x), "{x:e} exact");
    }
    page.assert_no_errors();
}

#[test]
#[ignore = "needs Chromium: run `cargo test -p tapegrad-tests --features browser --test browser -- --ignored`"]
fn every_adjoint_is_the_engines_bit_for_bit_and_the_gradient_graph_toggles() {
    // Ops whose contributions are not partial × adjoint in floating point
    // (ln sends g/x, exp2 g·z·ln 2), a relu that sends nothing, a node
    // read twice, a sum and a dot, and the recorded gradient graph as a
    // second layer.
    let session = Session::new();
    let tape = Tape::new();
    let x = tape.var(0.7).named("x");
    let y = tape.var(-1.3).named("y");
    let a = (x * y).ln_1p() + (x / y).exp2() - (x * 3.0).ln();
    let b = (y * 2.0).relu() + x.sigmoid() * y.tanh();
    let c = tape.sum([a, b, a * a]);
    let block = tape.vars(&[0.2, -0.4]);
    let f = (c / 7.0 + block.dot(&[0.3, -0.1]) * x).named("f");
    let grads = f.grad_graph(&[x, y]);
    let (dx, dy) = (grads[0].named("∂f/∂x"), grads[1].named("∂f/∂y"));
    let g = f.backward();
    let graph = Graph::of_all(&[f, dx, dy]).gradients(&g);
    let page = session.open("ops", &graph);
    let seen = sweep(&page);
    assert_engine_adjoints(&graph, seen.last().unwrap(), "f");
    assert!(page.status().contains("exactly"), "{}", page.status());
    // Back restores the state before the last step exactly.
    page.click("#tg-back");
    assert_eq!(&page.shown(), &seen[seen.len() - 2]);

    // The gradient graph is a layer that the switch hides and shows.
    let visible = "[...document.querySelectorAll('g.node.backward')].filter(g => g.getBoundingClientRect().width > 0).length";
    let backward = graph.nodes().iter().filter(|n| n.backward).count();
    assert!(backward > 0);
    assert_eq!(page.eval(visible), backward);
    page.click("#tg-backward");
    assert_eq!(page.eval(visible), 0);
    page.click("#tg-backward");
    assert_eq!(page.eval(visible), backward);
    page.assert_no_errors();
}

/// A 2-4-3-1 MLP (tanh hidden layers) and its hinge loss
/// `relu(1 - label · score)` on one point: 72 nodes.
fn mlp(tape: &Tape) -> Var {
    let mut seed = 0.37_f64;
    let mut weight = || {
        seed = (seed * 997.0 + 0.123).fract();
        tape.var(2.0 * seed - 1.0)
    };
    let (point, label) = ([0.5, -0.8], -1.0);
    let h1: Vec<Var> = (0..4)
        .map(|_| {
            let mut terms: Vec<Var> = point.iter().map(|&x| weight() * x).collect();
            terms.push(weight());
            tape.sum(&terms).tanh()
        })
        .collect();
    let mut neuron = |inputs: &[Var]| -> Var {
        let mut terms: Vec<Var> = inputs.iter().map(|&h| weight() * h).collect();
        terms.push(weight());
        tape.sum(&terms)
    };
    let h2: Vec<Var> = (0..3).map(|_| neuron(&h1).tanh()).collect();
    let score = neuron(&h2).named("score");
    (1.0 - score * label).relu().named("loss")
}

/// A chain of about 1,000 nodes: a sum of sines of running products.
fn thousand(tape: &Tape) -> Var {
    let x = tape.var(0.3).named("x");
    let mut u = x;
    let mut terms = Vec::new();
    for _ in 0..333 {
        u = (u * 0.99 + x).sin();
        terms.push(u);
    }
    tape.sum(&terms).named("total")
}

#[test]
#[ignore = "needs Chromium: run `cargo test -p tapegrad-tests --features browser --test browser -- --ignored`"]
fn big_pages_paint_quickly_and_sweep_exactly() {
    let session = Session::new();
    let tape = Tape::new();
    let [_, _, _, _, z] = tutorial(&tape);
    let loss = mlp(&tape);
    let total = thousand(&tape);
    let mut paints = Vec::new();
    for (name, out, detail, nodes) in [
        ("tutorial", z, Detail::Named, 5),
        ("mlp", loss, Detail::All, 72),
        ("thousand", total, Detail::All, 1001),
    ] {
        let graph = Graph::with_gradients(&out.backward()).detail(detail);
        assert_eq!(graph.nodes().len(), nodes, "{name}");
        let page = session.open(name, &graph);
        let paint = page.first_paint();
        paints.push(format!(
            "{name} ({nodes} nodes): first contentful paint {paint:.0} ms"
        ));
        assert!(paint < PAINT_BOUND_MS, "{name} painted after {paint} ms");
        page.assert_no_errors();
        if name != "tutorial" {
            page.click("#tg-end");
            assert_engine_adjoints(
                &graph,
                &page.shown(),
                if name == "mlp" { "loss" } else { "total" },
            );
            page.click("#tg-reset");
            assert_eq!(page.at().0, 0);
        }
    }
    eprintln!("{}", paints.join("\n"));
}
