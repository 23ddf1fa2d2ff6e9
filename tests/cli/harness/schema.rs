//! Every JSON document a test reads from netsync is checked against its schema in
//! docs/schemas/ (generated from the output types by scripts/gen-docs), so the schemas
//! operators validate against are the ones the tests hold the real output to.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

/// The compiled schemas, by file stem (`diff`, `secret-rekey`, `error`, `plan`, ...).
fn validators() -> &'static BTreeMap<String, jsonschema::Validator> {
    static VALIDATORS: OnceLock<BTreeMap<String, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas");
        let mut all = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".schema.json") else {
                continue;
            };
            let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            let validator = jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("{}: not a valid schema: {e}", path.display()));
            all.insert(stem.to_owned(), validator);
        }
        all
    })
}

/// Which schema a document is held to: a saved plan, an error document, or the document of
/// the command it names.
pub fn schema_name(doc: &Value) -> String {
    if doc["kind"] == "netsync-plan" {
        return "plan".to_owned();
    }
    if doc.get("error").is_some() {
        return "error".to_owned();
    }
    let command = doc["command"]
        .as_str()
        .unwrap_or_else(|| panic!("a JSON document without a command: {doc}"));
    command.replace(' ', "-")
}

/// Panic unless `doc` matches its schema, naming every place it does not.
pub fn assert_matches_schema(doc: &Value) {
    let name = schema_name(doc);
    let validator = validators()
        .get(&name)
        .unwrap_or_else(|| panic!("no docs/schemas/{name}.schema.json for {doc}"));
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "netsync's JSON does not match docs/schemas/{name}.schema.json:\n  {}\ndocument: {doc:#}",
        errors.join("\n  ")
    );
}

/// Parse one JSON document netsync printed, and check it against its schema.
pub fn json_doc(text: impl AsRef<[u8]>) -> Value {
    let text = text.as_ref();
    let doc: Value = serde_json::from_slice(text).unwrap_or_else(|e| {
        panic!(
            "netsync printed no JSON document ({e}):\n{}",
            String::from_utf8_lossy(text)
        )
    });
    assert_matches_schema(&doc);
    doc
}
