//! Strategies: ordered lists of steps. Presets, the `--steps` short form, and
//! strategy files in Shipper's step format.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The two versions' shares of one quantity, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub contender: u32,
    pub incumbent: u32,
}

/// One stage of a rollout. Capacity is a percentage of the incumbent's
/// replicas at the start (at least one pod when above 0); traffic is the
/// percentage of requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    pub capacity: Split,
    pub traffic: Split,
    /// The percentage of live requests also copied to the contender (its
    /// answers are dropped): shadow traffic, before it takes real traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<u32>,
}

impl Step {
    /// A canary step: the contender gets `percent` of capacity and traffic,
    /// the incumbent keeps all its capacity.
    fn canary(percent: u32) -> Step {
        Step {
            name: format!("{percent}%"),
            capacity: Split {
                contender: percent,
                incumbent: 100,
            },
            traffic: Split {
                contender: percent,
                incumbent: 100 - percent,
            },
            mirror: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strategy {
    /// `canary`, `vanguard`, `blue-green`, `steps`, or the file it came from.
    pub name: String,
    pub steps: Vec<Step>,
}

pub const PRESETS: [&str; 3] = ["canary", "vanguard", "blue-green"];

impl Strategy {
    /// A preset by name, or a strategy file by path.
    pub fn named(name: &str) -> Result<Strategy> {
        let steps = match name {
            "canary" => {
                let mut steps: Vec<Step> =
                    [10, 20, 30, 40, 50].into_iter().map(Step::canary).collect();
                steps.push(Step {
                    name: "full".into(),
                    capacity: Split {
                        contender: 100,
                        incumbent: 100,
                    },
                    traffic: Split {
                        contender: 100,
                        incumbent: 0,
                    },
                    mirror: None,
                });
                steps
            }
            "vanguard" => vec![
                step("staging", (1, 100), (0, 100)),
                step("50/50", (50, 50), (50, 50)),
                step("full on", (100, 0), (100, 0)),
            ],
            "blue-green" => vec![
                step("preview", (100, 100), (0, 100)),
                step("switch", (100, 100), (100, 0)),
            ],
            path => return Strategy::from_file(path),
        };
        Ok(Strategy {
            name: name.to_string(),
            steps,
        })
    }

    /// The short form `--steps 1,10,50,100`: each number is the contender's
    /// share of traffic and capacity at that step.
    pub fn from_percentages(list: &str) -> Result<Strategy> {
        let mut steps = Vec::new();
        for item in list.split(',').map(str::trim) {
            let percent: u32 = item.trim_end_matches('%').parse().map_err(|_| {
                Error::invalid(format!("--steps: {item:?} is not a percentage"))
                    .with_hint("give whole numbers from 1 to 100 in increasing order, e.g. --steps 10,25,50,100")
            })?;
            if percent == 0 || percent > 100 {
                return Err(
                    Error::invalid(format!("--steps: {percent} is not between 1 and 100"))
                        .with_hint(
                            "each step gives the contender 1% to 100%, e.g. --steps 10,25,50,100",
                        ),
                );
            }
            steps.push(Step::canary(percent));
        }
        for pair in steps.windows(2) {
            if pair[1].traffic.contender <= pair[0].traffic.contender {
                return Err(Error::invalid(format!(
                    "--steps must increase: {} comes after {}",
                    pair[1].traffic.contender, pair[0].traffic.contender
                ))
                .with_hint(
                    "give each step a larger share than the one before, e.g. --steps 10,25,50,100",
                ));
            }
        }
        let strategy = Strategy {
            name: "steps".into(),
            steps,
        };
        strategy.validate("--steps")?;
        Ok(strategy)
    }

    /// A strategy file: Shipper's step format, either a bare list of steps,
    /// `steps:`, `strategy: {steps: ...}`, or a whole Shipper Application
    /// (`spec.template.strategy.steps`).
    pub fn from_file(path: &str) -> Result<Strategy> {
        let text = crate::input::read(std::path::Path::new(path)).map_err(|e| {
            Error::invalid(format!("cannot read the strategy file {path}: {e}")).with_hint(format!(
                "--strategy takes one of {} or the path of a YAML file",
                PRESETS.join(", ")
            ))
        })?;
        Strategy::from_text(&text, path)
    }

    /// A strategy file's text; `source` names the file in messages.
    pub fn from_text(text: &str, source: &str) -> Result<Strategy> {
        let steps = parse_steps(text).map_err(|e| {
            Error::invalid(format!("the strategy file {source} is not valid: {e}"))
                .with_hint("each step needs name, capacity {contender, incumbent} and traffic {contender, incumbent}")
        })?;
        let strategy = Strategy {
            name: source.to_string(),
            steps,
        };
        strategy.validate(source)?;
        Ok(strategy)
    }

    /// Checks what the steps promise; `source` names where they came from.
    pub fn validate(&self, source: &str) -> Result<()> {
        let bad = |message: String| {
            Error::invalid(format!("{source}: {message}"))
                .with_hint("percentages run from 0 to 100, and each step's traffic adds up to 100")
        };
        if self.steps.is_empty() {
            return Err(bad("the strategy has no steps".into()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let at = format!("step {} ({:?})", i + 1, step.name);
            for (what, value) in [
                ("capacity.contender", step.capacity.contender),
                ("capacity.incumbent", step.capacity.incumbent),
                ("traffic.contender", step.traffic.contender),
                ("traffic.incumbent", step.traffic.incumbent),
            ] {
                if value > 100 {
                    return Err(bad(format!("{at}: {what} is {value}, more than 100")));
                }
            }
            if step.traffic.contender + step.traffic.incumbent != 100 {
                return Err(bad(format!(
                    "{at}: traffic adds up to {}, not 100",
                    step.traffic.contender + step.traffic.incumbent
                )));
            }
            // Traffic never goes to a version that has no capacity.
            if step.traffic.contender > 0 && step.capacity.contender == 0 {
                return Err(bad(format!(
                    "{at}: the contender gets traffic but no capacity"
                )));
            }
            if step.traffic.incumbent > 0 && step.capacity.incumbent == 0 {
                return Err(bad(format!(
                    "{at}: the incumbent gets traffic but no capacity"
                )));
            }
            if let Some(mirror) = step.mirror {
                let problem = match mirror {
                    0 | 101.. => Some(format!("mirror is {mirror}, not 1 to 100")),
                    _ if step.capacity.contender == 0 => {
                        Some("it mirrors requests to a contender with no capacity".to_string())
                    }
                    _ if step.traffic.contender == 100 => Some(
                        "it mirrors requests to a contender that already takes all traffic"
                            .to_string(),
                    ),
                    _ => None,
                };
                if let Some(problem) = problem {
                    return Err(Error::invalid(format!("{source}: {at}: {problem}")).with_hint(
                        "mirror copies a share of live requests to the contender before it takes them all: give it capacity, and less than 100% of the traffic",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Strategy {
    /// `--mirror PERCENT`: the first step copies that share of live
    /// requests to the contender, when it gives the contender no traffic
    /// (staging, a blue-green preview); otherwise a first step `shadow`
    /// does, with that share of capacity and no traffic, before the others.
    pub fn with_mirror(mut self, percent: u32) -> Result<Strategy> {
        if !(1..=100).contains(&percent) {
            return Err(
                Error::invalid(format!("--mirror {percent} is not between 1 and 100"))
                    .with_hint("--mirror takes the percentage of live requests copied to the contender, e.g. --mirror 100"),
            );
        }
        if let Some(step) = self.steps.iter().find(|s| s.mirror.is_some()) {
            return Err(Error::invalid(format!(
                "--mirror: the strategy already mirrors (step {:?})",
                step.name
            ))
            .with_hint("give the mirror in the strategy file or with --mirror, not both"));
        }
        match self.steps.first_mut() {
            Some(first) if first.traffic.contender == 0 && first.capacity.contender > 0 => {
                first.mirror = Some(percent);
            }
            _ => {
                let mut shadow = step("shadow", (percent, 100), (0, 100));
                shadow.mirror = Some(percent);
                self.steps.insert(0, shadow);
            }
        }
        self.validate("--mirror")?;
        Ok(self)
    }
}

fn step(name: &str, capacity: (u32, u32), traffic: (u32, u32)) -> Step {
    Step {
        name: name.into(),
        capacity: Split {
            contender: capacity.0,
            incumbent: capacity.1,
        },
        traffic: Split {
            contender: traffic.0,
            incumbent: traffic.1,
        },
        mirror: None,
    }
}

fn parse_steps(text: &str) -> std::result::Result<Vec<Step>, String> {
    #[derive(Deserialize)]
    struct Steps {
        steps: Vec<Step>,
    }
    #[derive(Deserialize)]
    struct Wrapped {
        strategy: Steps,
    }
    #[derive(Deserialize)]
    struct Application {
        spec: ApplicationSpec,
    }
    #[derive(Deserialize)]
    struct ApplicationSpec {
        template: Wrapped,
    }
    // Look at the document's shape first, then parse it as that shape, so
    // that the error (with its line and column) is about the real mistake.
    // Errors' first line holds the position and the problem; the rest is a
    // drawing of the source for terminals.
    let first_line = |e: serde_saphyr::Error| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        first.strip_prefix("error: ").unwrap_or(first).to_string()
    };
    let value: serde_json::Value = serde_saphyr::from_str(text).map_err(first_line)?;
    let parsed = match &value {
        serde_json::Value::Array(_) => serde_saphyr::from_str::<Vec<Step>>(text),
        serde_json::Value::Object(map) if map.contains_key("steps") => {
            serde_saphyr::from_str::<Steps>(text).map(|s| s.steps)
        }
        serde_json::Value::Object(map) if map.contains_key("strategy") => {
            serde_saphyr::from_str::<Wrapped>(text).map(|w| w.strategy.steps)
        }
        serde_json::Value::Object(map) if map.contains_key("spec") => {
            serde_saphyr::from_str::<Application>(text).map(|a| a.spec.template.strategy.steps)
        }
        _ => {
            return Err(
                "expected a list of steps, `steps:`, `strategy: {steps: ...}` or a Shipper Application".into(),
            );
        }
    };
    parsed.map_err(first_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_end_with_all_traffic_on_the_contender() {
        for name in PRESETS {
            let strategy = Strategy::named(name).unwrap();
            strategy.validate(name).unwrap();
            assert_eq!(
                strategy.steps.last().unwrap().traffic.contender,
                100,
                "{name}"
            );
        }
        let canary = Strategy::named("canary").unwrap();
        let traffic: Vec<u32> = canary.steps.iter().map(|s| s.traffic.contender).collect();
        assert_eq!(traffic, [10, 20, 30, 40, 50, 100]);
    }

    #[test]
    fn the_short_form_makes_canary_steps() {
        let strategy = Strategy::from_percentages("1, 10,50%,100").unwrap();
        let steps: Vec<(u32, u32, u32)> = strategy
            .steps
            .iter()
            .map(|s| {
                (
                    s.capacity.contender,
                    s.traffic.contender,
                    s.traffic.incumbent,
                )
            })
            .collect();
        assert_eq!(
            steps,
            [(1, 1, 99), (10, 10, 90), (50, 50, 50), (100, 100, 0)]
        );
        assert_eq!(strategy.steps[1].name, "10%");
    }

    #[test]
    fn the_short_form_rejects_what_cannot_be_a_rollout() {
        let cases = [
            ("10,5,50", "--steps must increase: 5 comes after 10"),
            ("10,10", "--steps must increase: 10 comes after 10"),
            ("10,150", "--steps: 150 is not between 1 and 100"),
            ("0,50", "--steps: 0 is not between 1 and 100"),
            ("ten", "--steps: \"ten\" is not a percentage"),
            ("", "--steps: \"\" is not a percentage"),
        ];
        for (input, message) in cases {
            let err = Strategy::from_percentages(input).unwrap_err();
            assert_eq!(err.kind, crate::error::Kind::Invalid);
            assert_eq!(err.message, message, "{input}");
        }
    }

    const SHIPPER: &str = "
- name: staging
  capacity:
    contender: 1
    incumbent: 100
  traffic:
    contender: 0
    incumbent: 100
- name: 50/50
  capacity: {contender: 50, incumbent: 50}
  traffic: {contender: 50, incumbent: 50}
- name: full on
  capacity: {contender: 100, incumbent: 0}
  traffic: {contender: 100, incumbent: 0}
";

    #[test]
    fn shippers_step_format_parses_in_every_wrapping() {
        let vanguard = Strategy::named("vanguard").unwrap().steps;
        let indented: String = SHIPPER.lines().map(|l| format!("    {l}\n")).collect();
        let documents = [
            SHIPPER.to_string(),
            format!(
                "steps:\n{}",
                SHIPPER
                    .lines()
                    .map(|l| format!("  {l}\n"))
                    .collect::<String>()
            ),
            format!("strategy:\n  steps:\n{indented}"),
            format!(
                "apiVersion: shipper.booking.com/v1alpha1\nkind: Application\nspec:\n  template:\n    strategy:\n      steps:\n{}",
                SHIPPER
                    .lines()
                    .map(|l| format!("        {l}\n"))
                    .collect::<String>()
            ),
        ];
        for document in documents {
            assert_eq!(parse_steps(&document).unwrap(), vanguard, "{document}");
        }
    }

    #[test]
    fn a_broken_file_names_the_line_and_column() {
        let text = "- name: staging\n  capacity: {contender: one, incumbent: 100}\n  traffic: {contender: 0, incumbent: 100}\n";
        let err = parse_steps(text).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("column"), "{err}");
    }

    #[test]
    fn a_step_whose_traffic_does_not_add_up_is_refused() {
        let strategy = Strategy {
            name: "f.yaml".into(),
            steps: vec![step("odd", (10, 100), (10, 80))],
        };
        let err = strategy.validate("f.yaml").unwrap_err();
        assert_eq!(
            err.message,
            "f.yaml: step 1 (\"odd\"): traffic adds up to 90, not 100"
        );
    }

    #[test]
    fn mirror_goes_on_a_first_step_without_traffic_or_on_a_shadow_step_before() {
        let canary = Strategy::from_percentages("10,100")
            .unwrap()
            .with_mirror(100)
            .unwrap();
        let first = &canary.steps[0];
        assert_eq!(
            (
                first.name.as_str(),
                first.capacity,
                first.traffic,
                first.mirror
            ),
            (
                "shadow",
                Split {
                    contender: 100,
                    incumbent: 100
                },
                Split {
                    contender: 0,
                    incumbent: 100
                },
                Some(100)
            )
        );
        assert_eq!(canary.steps.len(), 3);
        assert!(canary.steps[1..].iter().all(|s| s.mirror.is_none()));
        let shadow = Strategy::from_percentages("50,100")
            .unwrap()
            .with_mirror(20)
            .unwrap();
        assert_eq!(shadow.steps[0].capacity.contender, 20);
        for (name, mirrored) in [("blue-green", "preview"), ("vanguard", "staging")] {
            let strategy = Strategy::named(name).unwrap().with_mirror(50).unwrap();
            assert_eq!(
                strategy.steps.len(),
                Strategy::named(name).unwrap().steps.len()
            );
            assert_eq!(strategy.steps[0].name, mirrored);
            assert_eq!(strategy.steps[0].mirror, Some(50));
        }
    }

    #[test]
    fn a_mirror_that_cannot_be_is_refused() {
        let cases = [
            (
                "- {name: a, capacity: {contender: 0, incumbent: 100}, traffic: {contender: 0, incumbent: 100}, mirror: 100}\n",
                "step 1 (\"a\"): it mirrors requests to a contender with no capacity",
            ),
            (
                "- {name: a, capacity: {contender: 100, incumbent: 0}, traffic: {contender: 100, incumbent: 0}, mirror: 10}\n",
                "step 1 (\"a\"): it mirrors requests to a contender that already takes all traffic",
            ),
            (
                "- {name: a, capacity: {contender: 10, incumbent: 100}, traffic: {contender: 0, incumbent: 100}, mirror: 150}\n",
                "step 1 (\"a\"): mirror is 150, not 1 to 100",
            ),
        ];
        for (text, message) in cases {
            let strategy = Strategy {
                name: "f.yaml".into(),
                steps: parse_steps(text).unwrap(),
            };
            let err = strategy.validate("f.yaml").unwrap_err();
            assert_eq!(err.message, format!("f.yaml: {message}"));
        }
        let err = Strategy::named("canary")
            .unwrap()
            .with_mirror(0)
            .unwrap_err();
        assert_eq!(err.message, "--mirror 0 is not between 1 and 100");
        let mirrored = Strategy::named("blue-green")
            .unwrap()
            .with_mirror(100)
            .unwrap();
        let err = mirrored.with_mirror(50).unwrap_err();
        assert_eq!(
            err.message,
            "--mirror: the strategy already mirrors (step \"preview\")"
        );
        // A step file's mirror reads back.
        let steps = parse_steps("- {name: shadow, capacity: {contender: 1, incumbent: 100}, traffic: {contender: 0, incumbent: 100}, mirror: 100}\n").unwrap();
        assert_eq!(steps[0].mirror, Some(100));
    }

    #[test]
    fn traffic_needs_capacity() {
        let strategy = Strategy {
            name: "f.yaml".into(),
            steps: vec![step("bad", (0, 100), (10, 90))],
        };
        let err = strategy.validate("f.yaml").unwrap_err();
        assert!(
            err.message
                .contains("the contender gets traffic but no capacity"),
            "{err}"
        );
    }
}
