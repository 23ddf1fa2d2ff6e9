//! JSON Schemas of every document netsync prints, generated from the types that print them
//! (`render::json`, `render::settings`, `saved`). `scripts/gen-docs` writes them to
//! `docs/schemas/`; a test fails when those files are stale, and the integration tests check
//! every command's output against them.

use schemars::{generate::SchemaSettings, JsonSchema, Schema};
use serde_json::{json, Value};

use super::json::{
    AuditBody, Document, Envelope, ErrorBody, InitBody, PersistBody, RekeyBody, RestoreBody,
    StatusBody, VerifyBody, WatchBody,
};
use super::settings::ConfigBody;
use crate::saved::SavedPlan;

/// One document's schema and the file it is kept in, below `docs/schemas/`.
pub struct DocumentSchema {
    /// The file name's stem: `docs/schemas/<name>.schema.json`.
    pub name: String,
    /// What prints it.
    pub printed_by: String,
    pub schema: Value,
}

impl DocumentSchema {
    pub fn file_name(&self) -> String {
        format!("{}.schema.json", self.name)
    }

    /// The schema as written to its file: pretty JSON and a final newline.
    pub fn text(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.schema).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Every document, in the order docs/json.md describes them.
pub fn all() -> Vec<DocumentSchema> {
    vec![
        command_doc("diff", schema_of::<Document>(), Fields::without(&["apply"])),
        command_doc(
            "apply",
            schema_of::<Document>(),
            Fields {
                required: &["apply"],
                absent: &["signatures"],
            },
        ),
        command_doc(
            "init",
            schema_of::<Envelope<InitBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "config",
            schema_of::<Envelope<ConfigBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "persist",
            schema_of::<Envelope<PersistBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "restore",
            schema_of::<Envelope<RestoreBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "status",
            schema_of::<Envelope<StatusBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "log",
            schema_of::<super::history::Document>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "verify",
            schema_of::<Envelope<VerifyBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "watch",
            schema_of::<Envelope<WatchBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "secret audit",
            schema_of::<Envelope<AuditBody>>(),
            Fields::AS_THEY_ARE,
        ),
        command_doc(
            "secret rekey",
            schema_of::<Envelope<RekeyBody>>(),
            Fields::AS_THEY_ARE,
        ),
        finish(
            "error",
            "any command that fails with --output json",
            schema_of::<Envelope<ErrorBody>>(),
        ),
        finish("plan", "netsync diff --out FILE", schema_of::<SavedPlan>()),
    ]
}

/// The schema of what serialising a `T` produces (not of what deserialising accepts: a field
/// skipped when empty is optional).
fn schema_of<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>()
}

/// How a command's document differs from the type it shares with another command
/// (`diff` and `apply` print the same [`Document`], `apply` with its report).
struct Fields {
    /// These optional fields are always there.
    required: &'static [&'static str],
    /// These fields are never there.
    absent: &'static [&'static str],
}

impl Fields {
    const AS_THEY_ARE: Fields = Fields {
        required: &[],
        absent: &[],
    };

    const fn without(absent: &'static [&'static str]) -> Fields {
        Fields {
            required: &[],
            absent,
        }
    }
}

/// The schema of the document `command` prints: `command` is that name.
fn command_doc(command: &'static str, schema: Schema, fields: Fields) -> DocumentSchema {
    let printed_by = format!("netsync {command} --output json");
    let mut doc = finish(&command.replace(' ', "-"), &printed_by, schema);
    if let Some(object) = doc.schema.as_object_mut() {
        if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
            properties.insert(
                "command".into(),
                json!({ "description": "The command that printed it.", "const": command }),
            );
            for name in fields.absent {
                properties.remove(*name);
            }
        }
        if let Some(list) = object.get_mut("required").and_then(Value::as_array_mut) {
            list.extend(fields.required.iter().map(|r| json!(r)));
        }
    }
    drop_unused_definitions(&mut doc.schema);
    doc
}

/// Remove the `$defs` no longer referenced (after fields were taken out).
fn drop_unused_definitions(schema: &mut Value) {
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(target)) = object.get("$ref") {
                    found.extend(target.strip_prefix("#/$defs/").map(str::to_owned));
                }
                object.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    loop {
        let mut found = Vec::new();
        refs(schema, &mut found);
        let Some(defs) = schema.get_mut("$defs").and_then(Value::as_object_mut) else {
            return;
        };
        let before = defs.len();
        defs.retain(|name, _| found.contains(name));
        if defs.len() == before {
            return;
        }
    }
}

/// Descriptions come from doc comments: drop rustdoc's link brackets (`[`Class::steps`]`
/// reads as `Class::steps`).
fn plain_descriptions(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (name, field) in object.iter_mut() {
                match field {
                    Value::String(text) if name == "description" => {
                        *text = text.replace("[`", "`").replace("`]", "`");
                    }
                    other => plain_descriptions(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

fn finish(name: &str, printed_by: &str, schema: Schema) -> DocumentSchema {
    let mut schema = schema.to_value();
    plain_descriptions(&mut schema);
    if let Some(object) = schema.as_object_mut() {
        object.insert("title".into(), json!(printed_by));
        object.insert(
            "description".into(),
            json!(format!(
                "The document `{printed_by}` prints, format_version {}; see docs/json.md. \
                 Generated from netsync's types by scripts/gen-docs: do not edit.",
                super::json::FORMAT_VERSION
            )),
        );
    }
    DocumentSchema {
        name: name.to_owned(),
        printed_by: printed_by.to_owned(),
        schema,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every property name anywhere in `schema`, its definitions included.
    fn property_names(schema: &Value, names: &mut BTreeSet<String>) {
        match schema {
            Value::Object(object) => {
                if let Some(Value::Object(properties)) = object.get("properties") {
                    names.extend(properties.keys().cloned());
                }
                object.values().for_each(|v| property_names(v, names));
            }
            Value::Array(items) => items.iter().for_each(|v| property_names(v, names)),
            _ => {}
        }
    }

    /// The text of docs/json.md under the `##` heading containing `heading`, up to the next
    /// `##` heading.
    fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
        let start = doc
            .match_indices("\n## ")
            .map(|(i, _)| i + 1)
            .find(|&i| doc[i..].lines().next().is_some_and(|l| l.contains(heading)))
            .unwrap_or_else(|| panic!("docs/json.md has no section headed {heading:?}"));
        let end = doc[start + 3..]
            .find("\n## ")
            .map_or(doc.len(), |i| start + 3 + i);
        &doc[start..end]
    }

    /// Whether `text` names `field` in a code span (`field`, `a.field`, `changes[].field`)
    /// outside the examples: showing a field is not describing it.
    fn names(text: &str, field: &str) -> bool {
        let prose: String = text.split("```").step_by(2).collect::<Vec<_>>().join(" ");
        prose.split('`').skip(1).step_by(2).any(|span| {
            span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|word| word == field)
        })
    }

    #[test]
    fn docs_json_md_describes_every_field_of_every_document() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("docs/json.md")).unwrap();
        // What every document shares is described before the first command's section.
        let intro = &text[..text.find("\n## `").unwrap()];
        let mut missing = Vec::new();
        for doc in all() {
            let mut fields = BTreeSet::new();
            property_names(&doc.schema, &mut fields);
            let mut described = intro.to_owned();
            let headings: &[&str] = match doc.name.as_str() {
                "error" => &["Errors"],
                "plan" => &["Saved plans"],
                "log" => &["`netsync log KEY --output json`"],
                // apply's document is diff's plus its own report.
                "apply" => &[
                    "`netsync diff --output json`",
                    "`netsync apply --output json`",
                ],
                _ => &[],
            };
            let own = format!("`{}`", doc.printed_by);
            for heading in headings
                .iter()
                .copied()
                .chain(headings.is_empty().then_some(own.as_str()))
            {
                described.push_str(section(&text, heading));
            }
            for field in fields {
                if !names(&described, &field) {
                    missing.push(format!("{}: {field}", doc.name));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "docs/json.md does not describe these fields (document: field):\n  {}",
            missing.join("\n  ")
        );
    }

    #[test]
    fn every_schema_is_a_valid_json_schema_with_the_common_head() {
        for doc in all() {
            let properties = &doc.schema["properties"];
            if doc.name != "plan" {
                assert!(properties["format_version"].is_object(), "{}", doc.name);
                assert!(properties["command"].is_object(), "{}", doc.name);
            }
            assert_eq!(
                doc.schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{}",
                doc.name
            );
        }
    }
}
