//! The layers of src/: a module may use only modules of a lower layer, so
//! arrows point down and there is no circle. Read from the sources: each
//! `crate::MODULE` a module's own code names (its unit tests aside).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module of src/ and its layer: higher uses lower. A
/// `module::file` entry puts one file of a module in a layer of its own.
const LAYERS: &[(&str, u32)] = &[
    // The binary's crate root, and harnesses that drive everything.
    ("lib", 100),
    ("fuzzing", 95),
    ("mock", 95),
    // One file per subcommand: clap args -> options -> engine -> ui.
    ("commands", 90),
    ("complete", 85),
    ("generate", 85),
    ("help", 82),
    // clap types only: nothing under the commands sees them.
    ("cli", 80),
    // Tables, output formats, the dashboard.
    ("ui", 70),
    // The operations: a step, a promotion, an abort, the driver, the
    // freeze gate; given a connection and resolved options.
    ("ops", 65),
    // Talks to the cluster while a rollout runs; decides nothing.
    ("engine", 60),
    ("clusters", 55),
    ("router", 50),
    // Analysis talks to Prometheus, webhooks and the pods' API...
    ("analysis::metrics", 50),
    ("analysis::pods", 50),
    ("analysis::prometheus", 50),
    ("analysis::provider", 50),
    ("analysis::webhook", 50),
    ("connect", 40),
    ("retry", 35),
    // The pure core: the rollout's model and decisions, and what an
    // analysis is (its spec, judge and transcript), which a record holds.
    ("rollout", 30),
    ("analysis", 25),
    ("input", 20),
    ("duration", 20),
    ("error", 10),
];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// A file's code without its unit tests and comments.
fn code(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let all: Vec<&str> = text.lines().collect();
    for (n, line) in all.iter().enumerate() {
        // A module of unit tests ends what is read (a lone test helper
        // before it does not).
        let next = all.get(n + 1).map(|l| l.trim_start()).unwrap_or("");
        if line.trim_start().starts_with("#[cfg(test)]")
            && (next.starts_with("mod ") || next.contains(" mod "))
        {
            break;
        }
        let line: &str = line;
        let line = match line.find("//") {
            // Not the `//` of a URL in a string.
            Some(at) if !line[..at].ends_with(':') => &line[..at],
            _ => line,
        };
        lines.push((n + 1, line.to_string()));
    }
    lines
}

/// The modules a line names after `crate::`, braces included: the first
/// path segment, with the second as `module::file` when that has a layer.
fn named(line: &str) -> Vec<String> {
    named_paths(line)
        .into_iter()
        .map(|path| {
            let mut parts = path.split("::");
            let top = parts.next().unwrap_or_default().to_string();
            match parts.next() {
                Some(file) if layer_of(&format!("{top}::{file}")).is_some() => {
                    format!("{top}::{file}")
                }
                _ => top,
            }
        })
        .collect()
}

fn layer_of(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The paths a line names after `crate::`, braces of the first level split.
fn named_paths(line: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut arrows = 0;
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let file_stem = relative.components().nth(1).map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        });
        let top = match file_stem {
            Some(f) if layer_of(&format!("{top}::{f}")).is_some() => format!("{top}::{f}"),
            _ => top,
        };
        // The binary reaches the library by its name, as any user would.
        if top == "main" {
            continue;
        }
        let Some(&from) = layers.get(top.as_str()) else {
            problems.push(format!(
                "src/{}: module {top:?} has no layer; add it to LAYERS",
                relative.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, code) in code(&text) {
            for to in named(&code) {
                // Within one module, files are free to use each other.
                let module = |m: &str| m.split("::").next().unwrap_or_default().to_string();
                if module(&to) == module(&top) {
                    continue;
                }
                let Some(&layer) = layers.get(to.as_str()) else {
                    continue;
                };
                arrows += 1;
                if layer >= from {
                    problems.push(format!(
                        "src/{}:{line}: {top} (layer {from}) uses {to} (layer {layer}): an arrow up",
                        relative.display()
                    ));
                }
            }
        }
    }
    assert!(
        arrows > 100,
        "the scan found only {arrows} uses: it reads nothing"
    );
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_scan_sees_grouped_and_single_uses_and_not_comments() {
    assert_eq!(
        named("use crate::{error::Error, rollout::record::Record};"),
        ["error", "rollout"]
    );
    assert_eq!(
        named("    let x = crate::ui::progress::Progress::new(true);"),
        ["ui"]
    );
    assert_eq!(
        named("use crate::analysis::{Check, pods::check}; crate::analysis::pods::x"),
        ["analysis", "analysis::pods"]
    );
    let lines =
        code("use crate::a; // crate::b\n// crate::c\n#[cfg(test)]\nmod tests {\nuse crate::d;");
    let all: Vec<String> = lines.iter().flat_map(|(_, l)| named(l)).collect();
    assert_eq!(all, ["a"]);
}
