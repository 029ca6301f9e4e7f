//! Printing results: a bare value or plain sentences for people, JSON for
//! scripts. Messages for people go to stderr so stdout stays capturable.

use serde::Serialize;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// A command that prints one value: exactly that value on one line, or
    /// the JSON document with `--json`.
    pub fn value<T: Serialize>(&self, value: &str, json: &T) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string(json)?);
        } else {
            println!("{value}");
        }
        Ok(())
    }

    /// A command that prints a report: lines for people, or JSON.
    pub fn report<T: Serialize>(&self, lines: &[String], json: &T) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string(json)?);
        } else {
            for line in lines {
                println!("{line}");
            }
        }
        Ok(())
    }

    /// A sentence for the person at the terminal (stderr).
    pub fn say(&self, text: &str) {
        if !self.json {
            eprintln!("{text}");
        }
    }
}
