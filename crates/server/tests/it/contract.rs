//! The OpenAPI document as a contract: every answer a test gets through [`TestApp::api`]
//! (crate::helpers) is validated against the schema the document gives for its route and status
//! (JSON Schema 2020-12, the dialect of OpenAPI 3.1). A field the code serializes but the
//! document does not describe the same way fails the test that saw it.

use fastreg_server::api::openapi;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

struct Contract {
    doc: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract {
        doc: openapi::spec(),
        validators: Mutex::new(HashMap::new()),
    })
}

/// The document's path template that `path` (under `/api/v1`, query stripped) is an instance of:
/// the one with the fewest parameters wins (`/jobs/{id}` loses to nothing, `/trials` to
/// `/{anything}` were there one).
fn template<'a>(paths: &'a serde_json::Map<String, Value>, path: &str) -> Option<&'a str> {
    let concrete: Vec<&str> = path.split('/').collect();
    paths
        .keys()
        .filter(|t| {
            let parts: Vec<&str> = t.split('/').collect();
            parts.len() == concrete.len()
                && parts
                    .iter()
                    .zip(&concrete)
                    .all(|(t, c)| (t.starts_with('{') && t.ends_with('}') && !c.is_empty()) || t == c)
        })
        .min_by_key(|t| t.matches('{').count())
        .map(String::as_str)
}

/// Checks `body`, answered with `status` to `method path`, against the document. Panics naming
/// the route, the status and every violation.
pub fn check(method: &str, path: &str, status: u16, body: &Value) {
    let c = contract();
    let path = path.split('?').next().unwrap_or(path);
    let paths = c.doc["paths"].as_object().expect("the document has paths");
    let Some(t) = template(paths, path) else {
        panic!("{method} {path}: no path of the OpenAPI document matches it");
    };
    let method = method.to_ascii_lowercase();
    let Some(op) = paths[t].get(&method) else {
        // A method the route does not have: the framework's 405, in the error shape.
        return check_error(c, &format!("{method} {t}"), status, body);
    };
    let responses = &op["responses"];
    let response = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .unwrap_or_else(|| panic!("{method} {t}: status {status} is not in the document"));
    let Some(schema) = response.pointer("/content/application~1json/schema") else {
        panic!("{method} {t}: status {status} answered JSON, the document says it does not: {body}");
    };
    validate(c, &format!("{method} {t} {status}"), schema, body);
}

fn check_error(c: &Contract, what: &str, status: u16, body: &Value) {
    assert!(
        status >= 400,
        "{what}: {status} for a method the document does not have"
    );
    validate(
        c,
        &format!("{what} {status}"),
        &json!({"$ref": "#/components/schemas/Error"}),
        body,
    );
}

fn validate(c: &Contract, key: &str, schema: &Value, body: &Value) {
    let validator = {
        let mut cache = c.validators.lock().expect("validators");
        cache
            .entry(key.to_owned())
            .or_insert_with(|| {
                // The schema, with the document's components beside it so its `$ref`s resolve.
                let mut root = json!({ "components": c.doc["components"].clone() });
                match schema {
                    Value::Object(o) => {
                        for (k, v) in o {
                            root[k] = v.clone();
                        }
                    }
                    other => panic!("{key}: the document's schema is not an object: {other}"),
                }
                Arc::new(jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("{key}: bad schema: {e}")))
            })
            .clone()
    };
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{key}: the answer does not match the OpenAPI document:\n{}\nanswer: {body}",
        errors.join("\n")
    );
}

#[test]
fn every_route_of_the_router_is_in_the_document() {
    let doc = openapi::spec();
    let paths = doc["paths"].as_object().expect("paths");
    // The routes `api::router` and `recovery::routes` serve under /api/v1, with their methods.
    for (method, path) in [
        ("post", "/api-keys"),
        ("get", "/api-keys"),
        ("delete", "/api-keys/{id}"),
        ("get", "/authorizers"),
        ("get", "/authorizers/{appid}"),
        ("get", "/official-accounts"),
        ("get", "/mini-programs"),
        ("post", "/authorizations"),
        ("get", "/authorizations/{id}"),
        ("post", "/registrations"),
        ("get", "/registrations"),
        ("get", "/registrations/{id}"),
        ("post", "/registrations/{id}/restart"),
        ("post", "/registrations/{id}/abandon"),
        ("get", "/registrations/{id}/qr.svg"),
        ("get", "/registrations/{id}/qr.png"),
        ("post", "/mini-programs/{appid}/verify-beta"),
        ("put", "/mini-programs/{appid}/beta-name"),
        ("get", "/beta-verifications/{id}"),
        ("get", "/beta-verifications/{id}/qr.svg"),
        ("get", "/beta-verifications/{id}/qr.png"),
        ("get", "/trials"),
        ("get", "/mini-programs/{appid}"),
        ("put", "/mini-programs/{appid}/setup"),
        ("get", "/mini-programs/{appid}/nickname-audit"),
        ("get", "/mini-programs/{appid}/categories/catalog"),
        ("delete", "/mini-programs/{appid}/categories/{category}"),
        ("post", "/mini-programs/{appid}/categories/{category}/resubmit"),
        ("post", "/mini-programs/{appid}/rebind"),
        ("get", "/rebind-tasks/{id}"),
        ("get", "/jobs"),
        ("get", "/jobs/{id}"),
        ("post", "/jobs/{id}/retry"),
        ("get", "/audit-log"),
    ] {
        let op = &paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is missing from the OpenAPI document"))[method];
        assert!(op.is_object(), "{method} {path} is missing from the OpenAPI document");
        let ok = op["responses"]
            .as_object()
            .and_then(|r| r.keys().find(|k| k.starts_with('2')).cloned())
            .unwrap_or_else(|| panic!("{method} {path}: no 2xx answer documented"));
        let content = &op["responses"][&ok]["content"];
        if let Some(schema) = content.pointer("/application~1json/schema") {
            // A typed answer: a named schema (or a described passthrough of WeChat's answer),
            // never the bare `{"type":"object"}` of a hand-written document.
            assert!(
                schema.get("$ref").is_some() || op["summary"].as_str().is_some_and(|s| s.contains("WeChat")),
                "{method} {path}: its {ok} answer has no named schema: {schema}"
            );
        } else {
            assert!(
                content.get("image/svg+xml").is_some() || content.get("image/png").is_some(),
                "{method} {path}: its {ok} answer has no content"
            );
        }
        assert!(
            op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error",
            "{method} {path}: its errors are not the Error schema"
        );
    }
}

#[test]
fn an_answer_that_breaks_the_document_is_caught() {
    // What the check would say of a registration missing its state and with a numeric route:
    // the validation is real, not a formality.
    let result = std::panic::catch_unwind(|| {
        check(
            "GET",
            "/registrations/abc",
            200,
            &json!({"id": "abc", "route": 3, "history": []}),
        )
    });
    let message = result
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .expect("a broken answer is refused");
    assert!(message.contains("get /registrations/{id} 200"), "{message}");
    assert!(message.contains("state"), "{message}");
}
