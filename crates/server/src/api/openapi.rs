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

/// The paths of the routes' resources (issue 11), merged into [`spec`] (one `json!` of
/// everything is past the macro's recursion limit).
fn route_paths() -> Value {
    json!({
            "/registrations/{id}/restart": { "parameters": path_param("id"), "post": op("Start a failed (or abandoned) registration again from the same input and setup plan: answers the new registration; the old one shows restarted_as; 409 if it is not finished or was started again already", "201", None) },
            "/registrations/{id}/qr.svg": { "parameters": path_param("id"), "get": { "summary": "The QR code of the registration's auth_url (SVG); 409 before WeChat gave the link", "responses": { "200": { "description": "SVG", "content": { "image/svg+xml": {} } } } } },
            "/registrations/{id}/qr.png": { "parameters": path_param("id"), "get": { "summary": "The QR code of the registration's auth_url (PNG); 409 before WeChat gave the link", "responses": { "200": { "description": "PNG", "content": { "image/png": {} } } } } },
            "/trials": { "get": op("Trial Mini Programs not converted, the one lapsing first first: appid, name, expires_at, days_left", "200", None) },
            "/mini-programs/{appid}/verify-beta": { "parameters": path_param("appid"), "post": op("Convert (转正) a trial: starts a conversion task whose auth_url the enterprise's legal person opens within 24 h; follow it at /beta-verifications/{id}; 409 while one is under way", "201", Some("VerifyBeta")) },
            "/mini-programs/{appid}/beta-name": { "parameters": path_param("appid"), "put": op("Rename a trial (WeChat appends 的体验小程序); 409 once converted", "200", Some("BetaName")) },
            "/beta-verifications/{id}": { "parameters": path_param("id"), "get": op("A trial's conversion: state (creating, create_unknown, awaiting_user, converted, failed), auth_url, qr_url, task_status, error, history", "200", None) },
            "/beta-verifications/{id}/qr.svg": { "parameters": path_param("id"), "get": { "summary": "The QR code of the conversion's auth_url (SVG)", "responses": { "200": { "description": "SVG", "content": { "image/svg+xml": {} } } } } },
            "/beta-verifications/{id}/qr.png": { "parameters": path_param("id"), "get": { "summary": "The QR code of the conversion's auth_url (PNG)", "responses": { "200": { "description": "PNG", "content": { "image/png": {} } } } } },
            "/registrations/{id}/abandon": { "parameters": path_param("id"), "post": op("Abandon a registration that has not reached fastregister (awaiting_admin, or ticket_received with no call sent): it ends abandoned and its account is free; refused (409) once fastregister may have been sent", "200", None) }
    })
}

fn route_schemas() -> Value {
    json!({
                "VerifyBeta": { "type": "object", "required": ["enterprise_name", "code", "component_phone"], "properties": {
                    "enterprise_name": { "type": "string" }, "code": { "type": "string" }, "component_phone": { "type": "string" } } },
                "BetaName": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } }
    })
}

/// The document.
pub fn spec() -> Value {
    let mut doc = spec_without_routes();
    for (from, to) in [(route_paths(), "paths"), (route_schemas(), "components")] {
        let target = if to == "paths" {
            &mut doc["paths"]
        } else {
            &mut doc["components"]["schemas"]
        };
        if let (Value::Object(add), Value::Object(into)) = (from, target) {
            into.extend(add);
        }
    }
    doc
}

fn spec_without_routes() -> Value {
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
            "description": "Registration of Mini Programs on every route — reusing an Official Account's entity (复用公众号主体快速注册小程序), enterprise (快速注册企业小程序), personal (快速注册个人小程序) and trial (试用小程序, with its conversion) — authorizations, registrations, setup, admin rebind, jobs. Every error is {code, message, remedy}, including a request refused before it is read (415, 400, 422, 413, 404, 405). Request bodies are JSON, at most 10 MiB."
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
                "post": op("Start a registration on one of four routes (`route`: official_account, the default, reusing an Official Account's entity; enterprise; personal; trial). The input is checked before WeChat is called (422 naming the field: the credit code with its check character, the phone, the trial's name). official_account answers with the fastregisterauth URL at once; the other routes answer `creating` and gain `auth_url`, `auth_expires_at` and `qr_url` once WeChat opened the task (a moment later)", "201", Some("CreateRegistration")),
                "get": op("List registrations (filters: oa_appid, route)", "200", None)
            },
            "/registrations/{id}": { "parameters": path_param("id"), "get": op("A registration: route, state (creating, create_unknown, awaiting_user, exchanging, registered, failed; the official_account route's own states), auth_url, auth_expires_at, qr_url, task_status {code, zh, en, final}, mini_program_appid, error {code, message, remedy} from the catalog, trial {expires_at, days_left, converted}, history", "200", None) },
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
                    "type": "object",
                    "properties": {
                        "route": { "type": "string", "enum": ["official_account", "enterprise", "personal", "trial"], "default": "official_account" },
                        "oa_appid": { "type": "string", "description": "route official_account (required there)" },
                        "enterprise": { "type": "object", "required": ["name", "code", "component_phone"], "description": "route enterprise", "properties": {
                            "name": { "type": "string" },
                            "code": { "type": "string", "description": "18-character unified social credit code; its check character is checked (GB 32100-2015)" },
                            "component_phone": { "type": "string" } } },
                        "personal": { "type": "object", "required": ["wxuser", "component_phone"], "description": "route personal", "properties": {
                            "wxuser": { "type": "string", "description": "the user's WeChat id" },
                            "component_phone": { "type": "string" } } },
                        "trial": { "type": "object", "required": ["name", "openid"], "description": "route trial", "properties": {
                            "name": { "type": "string", "description": "4–30 characters, none of 小程序/微信/腾讯/WeChat/Weixin/Tencent; WeChat appends 的体验小程序" },
                            "openid": { "type": "string", "description": "the openid of the user who becomes the trial's admin" } } },
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
