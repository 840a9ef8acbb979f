//! Everything the user sees on stdout: tables for people, JSON and YAML for
//! scripts.

pub mod dashboard;
pub mod list;
pub mod status;

use std::io::{self, IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::error::{Error, Result};

/// What stdout holds: a table for people, or JSON or YAML for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

/// How to write to stdout, resolved once from the global flags.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub format: Format,
    pub color: bool,
}

impl Ui {
    /// Colors only in a terminal, and not with `no_color` or NO_COLOR set.
    pub fn new(format: Format, no_color: bool) -> Self {
        let color = !no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && io::stdout().is_terminal();
        console::set_colors_enabled(color);
        Ui { format, color }
    }

    /// Writes `value` as JSON or YAML, or calls `table` to draw it for people.
    pub fn print<T: Serialize>(
        &self,
        value: &T,
        table: impl FnOnce(&T, &Ui) -> String,
    ) -> Result<()> {
        let text = match self.format {
            Format::Json => {
                let mut text = serde_json::to_string_pretty(value)
                    .map_err(|e| Error::failed(format!("cannot encode the output as JSON: {e}")))?;
                text.push('\n');
                text
            }
            Format::Yaml => serde_saphyr::to_string(value)
                .map_err(|e| Error::failed(format!("cannot encode the output as YAML: {e}")))?,
            Format::Table => table(value, self),
        };
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

/// A table in kubectl's style: upper-case headers, no borders.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_uppercase()));
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    table
}

/// A table's lines without the padding comfy-table leaves at line ends.
pub fn render(table: &Table) -> String {
    let mut text = String::new();
    for line in table.lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}
