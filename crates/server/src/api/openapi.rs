//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`. Written by hand next
//! to the routes it describes (a test checks every route is in it).

use axum::Json;
use serde_json::{Value, json};

fn op(summary: &str, ok: &str, body: Option<&str>) -> Value {
    let mut o = json!({
        "summary": summary,
        "responses": {
            ok: { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } },
            "default": { "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
    });
    if let Some(schema) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    }
    o
}

fn path_param(name: &str) -> Value {
    json!([{ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }])
}

fn category_params() -> Value {
    json!([
        { "name": "appid", "in": "path", "required": true, "schema": { "type": "string" } },
        { "name": "category", "in": "path", "required": true, "description": "first-second category ids, e.g. 8-39",
          "schema": { "type": "string", "pattern": "^[0-9]+-[0-9]+$" } }
    ])
}

/// The document.
pub fn spec() -> Value {
    let image = json!({
        "oneOf": [
            { "type": "object", "required": ["filename", "data_base64"], "properties": { "filename": {"type": "string"}, "data_base64": {"type": "string", "contentEncoding": "base64"} } },
            { "type": "object", "required": ["material_id"], "properties": { "material_id": {"type": "string"} } }
        ]
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "fastreg service API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Fast registration of Mini Programs reusing an Official Account's entity (复用公众号主体快速注册小程序): authorizations, registrations, setup, admin rebind, jobs. Every error is {code, message, remedy}, including a request refused before it is read (415, 400, 422, 413, 404, 405). Request bodies are JSON, at most 10 MiB."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "apiKey": [] }],
        "paths": {
            "/api-keys": {
                "post": op("Create an API key (shown once)", "201", Some("CreateApiKey")),
                "get": op("List the API keys: id, name, created_at, last_used_at, revoked_at (never the key nor its hash)", "200", None)
            },
            "/api-keys/{id}": { "parameters": path_param("id"), "delete": op("Revoke an API key: refused from its next request", "200", None) },
            "/authorizers": { "get": op("List the accounts that authorized this platform", "200", None) },
            "/official-accounts": { "get": op("A page of Official Accounts by name: q (appid prefix or part of the name), status (authorized, unauthorized, refresh_rejected), cursor (the previous page's next_cursor), limit (1–200, default 50); answers {items, next_cursor}", "200", None) },
            "/mini-programs": { "get": op("A page of Mini Programs, newest first: q (appid prefix or part of the name), status (authorized, unauthorized, setup_failed, setup_running, setup_none), cursor (the previous page's next_cursor), limit (1–200, default 50); answers {items, next_cursor}", "200", None) },
            "/authorizers/{appid}": { "parameters": path_param("appid"), "get": op("One authorizer: kind, status, permission sets, token upkeep", "200", None) },
            "/authorizations": { "post": op("Start authorizing an Official Account: returns the componentloginpage URL", "201", Some("CreateAuthorization")) },
            "/authorizations/{id}": { "parameters": path_param("id"), "get": op("An authorization's state", "200", None) },
            "/registrations": {
                "post": op("Start a fast registration: returns the fastregisterauth URL for the account's admin", "201", Some("CreateRegistration")),
                "get": op("List registrations (filter: oa_appid)", "200", None)
            },
            "/registrations/{id}": { "parameters": path_param("id"), "get": op("A registration: state, Mini Program appid, error with meaning and remedy, history", "200", None) },
            "/registrations/{id}/abandon": { "parameters": path_param("id"), "post": op("Abandon a registration that has not reached fastregister (awaiting_admin, or ticket_received with no call sent): it ends abandoned and its account is free; refused (409) once fastregister may have been sent", "200", None) },
            "/mini-programs/{appid}": { "parameters": path_param("appid"), "get": op("A Mini Program: setup plan and progress; ?live=true adds basic info and quotas from WeChat", "200", None) },
            "/mini-programs/{appid}/setup": { "parameters": path_param("appid"), "put": op("Attach (or re-attach) a setup plan", "200", Some("SetupPlan")) },
            "/mini-programs/{appid}/nickname-audit": { "parameters": path_param("appid"), "get": op("The name audit, with WeChat's current answer", "200", None) },
            "/mini-programs/{appid}/categories/catalog": { "parameters": path_param("appid"), "get": op("The categories this Mini Program may set (getallcategories)", "200", None) },
            "/mini-programs/{appid}/categories/{category}": { "parameters": category_params(), "delete": op("Delete a category (deletecategory; refused while it is under review, 53308) and take it out of the setup plan", "200", None) },
            "/mini-programs/{appid}/categories/{category}/resubmit": { "parameters": category_params(), "post": op("Resubmit a rejected category with new qualification images: uploaded, modifycategory called once (only a rejected category may be modified, 53307; only a set one, 53306), its audit followed again", "202", Some("ResubmitCategory")) },
            "/mini-programs/{appid}/rebind": { "parameters": path_param("appid"), "post": op("Start an admin rebind: returns the componentrebindadmin URL", "201", None) },
            "/rebind-tasks/{id}": { "parameters": path_param("id"), "get": op("A rebind task's state", "200", None) },
            "/jobs": { "get": op("Jobs with status, attempts and last error (filter: status)", "200", None) },
            "/jobs/{id}": { "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "get": op("One job", "200", None) },
            "/jobs/{id}/retry": { "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }], "post": op("Retry a job that gave up (dead): queued again, due now, with its dedupe key; 409 if it is not dead or another job drives its workflow", "202", None) },
            "/audit-log": { "get": op("Who did what, newest first", "200", None) }
        },
        "components": {
            "securitySchemes": { "apiKey": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["code", "message", "remedy"],
                    "properties": {
                        "code": { "type": "string", "description": "A WeChat errcode (\"61051\") or one of ours (not_found, invalid_request, …)" },
                        "message": { "type": "string" },
                        "remedy": { "type": "string" }
                    }
                },
                "CreateApiKey": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } },
                "CreateAuthorization": { "type": "object", "properties": { "biz_appid": { "type": "string", "description": "Only this account may authorize" } } },
                "CreateRegistration": {
                    "type": "object", "required": ["oa_appid"],
                    "properties": {
                        "oa_appid": { "type": "string" },
                        "copy_wx_verify": { "type": "boolean", "description": "Reuse the account's WeChat verification (default true; forced for government, media, other organizations)" },
                        "setup": { "$ref": "#/components/schemas/SetupPlan" }
                    }
                },
                "Image": image,
                "ResubmitCategory": {
                    "type": "object", "required": ["certificates"],
                    "properties": {
                        "certificates": { "type": "array", "minItems": 1, "items": { "type": "object", "required": ["key", "image"], "properties": {
                            "key": { "type": "string", "description": "The document's name, as getallcategories lists it" },
                            "image": { "$ref": "#/components/schemas/Image" } } } }
                    }
                },
                "SetupPlan": {
                    "type": "object",
                    "properties": {
                        "nickname": { "type": "object", "required": ["name"], "properties": {
                            "name": { "type": "string" },
                            "license": { "$ref": "#/components/schemas/Image" },
                            "id_card": { "$ref": "#/components/schemas/Image" },
                            "other_stuff": { "type": "array", "maxItems": 5, "items": { "$ref": "#/components/schemas/Image" } }
                        } },
                        "avatar": { "type": "object", "required": ["image"], "properties": {
                            "image": { "$ref": "#/components/schemas/Image" },
                            "crop": { "type": "object", "properties": { "x1": {"type": "number"}, "y1": {"type": "number"}, "x2": {"type": "number"}, "y2": {"type": "number"} } }
                        } },
                        "signature": { "type": "string" },
                        "categories": { "type": "array", "items": { "type": "object", "required": ["first", "second"], "properties": {
                            "first": { "type": "integer" }, "second": { "type": "integer" },
                            "certificates": { "type": "array", "items": { "type": "object", "required": ["key", "image"], "properties": {
                                "key": { "type": "string" }, "image": { "$ref": "#/components/schemas/Image" } } } }
                        } } }
                    }
                }
            }
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}
