//! The images of setup plans (business licence, ID card, head image, qualifications) at rest:
//! sealed with the service's key like tokens (the raw row holds neither the image nor its file
//! name), deleted once the step that needs them is done or failed, swept when nothing needs them
//! any more; a row stored in the clear by an older version still uploads and gets sealed.

use crate::helpers::*;
use crate::on_both;
use base64::Engine;
use fastreg_emulator::builtin::*;
use serde_json::{Value, json};

/// A PNG that carries a recognisable text after its header.
fn marked_png(marker: &str) -> Vec<u8> {
    let mut bytes = png();
    bytes.extend_from_slice(marker.as_bytes());
    bytes
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every row of `materials`: id, filename, raw bytes, sealed flag.
async fn rows(app: &TestApp) -> Vec<(String, String, Vec<u8>, i64)> {
    fastreg_server::fetch_all!(
        &app.state.db,
        (String, String, Vec<u8>, i64),
        "SELECT id, filename, bytes, sealed FROM materials ORDER BY id"
    )
    .expect("materials")
}

fn step<'a>(mp: &'a Value, name: &str) -> &'a Value {
    crate::setup::step(mp, name)
}

const LICENSE: &str = "LICENCE-91440300MA5EXAMPLE";
const AVATAR: &str = "AVATAR-IMAGE-0xC0FFEE";
const PERMIT: &str = "PERMIT-出入境许可证-0042";
const ID_CARD: &str = "ID-CARD-110101199003070011"; // an image shown as a licence here

async fn sealed_then_deleted(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let plan = json!({
        "nickname": { "name": "示例科技材料宝", "license": { "filename": "zhangsan-licence.png", "data_base64": b64(&marked_png(LICENSE)) } },
        "avatar": { "image": { "filename": "zhangsan-avatar.png", "data_base64": b64(&marked_png(AVATAR)) } },
        "signature": "提供好用的工具服务，欢迎使用。",
        "categories": [{ "first": 8, "second": 39, "certificates": [
            { "key": "《因私出入境中介机构经营许可证》", "image": { "filename": "zhangsan-permit.png", "data_base64": b64(&marked_png(PERMIT)) } }
        ] }]
    });
    let reg = app
        .start_registration(json!({ "oa_appid": OA_ENTERPRISE, "setup": plan }))
        .await;

    // At rest: sealed, neither the image, its PNG header nor its file name in the clear.
    let stored = rows(&app).await;
    assert_eq!(stored.len(), 3);
    for (id, filename, bytes, sealed) in &stored {
        assert_eq!(*sealed, 1, "{id}");
        for marker in [LICENSE, AVATAR, PERMIT] {
            assert!(
                !contains(bytes, marker.as_bytes()),
                "{marker} in the clear in material {id}"
            );
        }
        assert!(
            !contains(bytes, &png()[..8]),
            "a PNG header in the clear in material {id}"
        );
        assert!(!filename.contains("zhangsan"), "{filename}");
        let opened = app
            .state
            .secrets
            .open(&format!("materials:{id}"), bytes)
            .expect("opens with the service's key, bound to its row");
        assert!(
            [LICENSE, AVATAR, PERMIT]
                .iter()
                .any(|m| contains(&opened, m.as_bytes()))
        );
    }
    // A sealed value moved to another row does not open.
    assert!(
        app.state
            .secrets
            .open(&format!("materials:{}", stored[1].0), &stored[0].2)
            .is_err()
    );

    // The admin confirms: avatar and signature are done at once, so the head image is gone; the
    // name and the category await their audits and keep theirs.
    let redirect = app.confirm_fastregister(&reg).await;
    assert_eq!(app.follow(&redirect).await.0, 200);
    app.drain().await;
    let reg = app
        .get(&format!("/registrations/{}", reg["id"].as_str().expect("id")))
        .await;
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    assert_eq!(step(&mp, "avatar")["state"], "done", "{mp:#}");
    assert_eq!(step(&mp, "nickname")["state"], "awaiting_audit", "{mp:#}");
    assert_eq!(step(&mp, "categories")["state"], "awaiting_audit", "{mp:#}");
    let left = rows(&app).await;
    assert_eq!(left.len(), 2, "the head image's row is deleted once its step is done");
    for (id, _, bytes, _) in &left {
        let opened = app.state.secrets.open(&format!("materials:{id}"), bytes).expect("open");
        assert!(!contains(&opened, AVATAR.as_bytes()));
    }

    // Both audits approved: every row is gone.
    for a in crate::setup::open_audits(&app, &appid).await {
        crate::setup::decide(&app, a["audit_id"].as_u64().expect("id"), true, "").await;
    }
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    for s in ["nickname", "avatar", "signature", "categories"] {
        assert_eq!(step(&mp, s)["state"], "done", "{s}: {mp:#}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM materials").await, 0);

    // A step that fails for good lets go of its images too (the name rejected).
    let (status, v) = app
        .api(
            reqwest::Method::PUT,
            &format!("/mini-programs/{appid}/setup"),
            Some(json!({ "nickname": { "name": "示例科技身份宝", "license": { "filename": "id.png", "data_base64": b64(&marked_png(ID_CARD)) } } })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let id_card = rows(&app).await;
    assert_eq!(id_card.len(), 1);
    assert!(!contains(&id_card[0].2, ID_CARD.as_bytes()));
    app.drain().await;
    let audit = app.get(&format!("/mini-programs/{appid}/nickname-audit")).await;
    crate::setup::decide(
        &app,
        audit["audit_id"].as_u64().expect("audit id"),
        false,
        "名称与主体不符",
    )
    .await;
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    assert_eq!(step(&mp, "nickname")["state"], "failed", "{mp:#}");
    assert_eq!(app.count("SELECT COUNT(*) FROM materials").await, 0);
    // Its images cannot be named again: they are gone, and the answer says to send them.
    let (status, e) = app
        .api(
            reqwest::Method::PUT,
            &format!("/mini-programs/{appid}/setup"),
            Some(json!({ "nickname": { "name": "示例科技身份宝", "license": { "material_id": id_card[0].0 } } })),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (400, Some("invalid_request")), "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains("inline"), "{e}");
    app.cleanup().await;
}
on_both!(
    materials_are_sealed_and_deleted_when_their_step_ends,
    sealed_then_deleted
);

/// Rows an older version stored in the clear still upload, and the upkeep seals them; images
/// nothing needs any more (a row left over, a registration whose link expired before its admin
/// confirmed) are swept once an hour old.
async fn swept_and_legacy(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let registered = app.register(OA_ENTERPRISE, None).await;
    let appid = registered["mini_program_appid"].as_str().expect("appid").to_owned();
    let now = fastreg_server::store::now_ms();
    let minute = 60 * 1000;
    for id in ["legacy-avatar", "legacy-other"] {
        fastreg_server::execute!(
            &app.state.db,
            "INSERT INTO materials (id, filename, content_type, bytes, created_at) VALUES ($1, 'old-name.png', 'image/png', $2, $3)",
            id,
            marked_png(AVATAR),
            now
        )
        .expect("insert a plain row");
    }
    // A plain row is uploaded as it is, and deleted with its step.
    let (status, v) = app
        .api(
            reqwest::Method::PUT,
            &format!("/mini-programs/{appid}/setup"),
            Some(json!({ "avatar": { "image": { "material_id": "legacy-avatar" } } })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    app.drain().await;
    let mp = app.get(&format!("/mini-programs/{appid}")).await;
    assert_eq!(step(&mp, "avatar")["state"], "done", "{mp:#}");
    let left = rows(&app).await;
    assert_eq!(left.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["legacy-other"]);
    // The upkeep seals the other one (too young to be swept).
    let swept = fastreg_server::setup::sweep_materials(&app.state, now)
        .await
        .expect("sweep");
    assert_eq!(swept, (0, 1));
    let (id, filename, bytes, flag) = rows(&app).await.remove(0);
    assert_eq!(flag, 1);
    assert!(
        !contains(&bytes, AVATAR.as_bytes()) && filename != "old-name.png",
        "{filename}"
    );
    assert!(contains(
        &app.state
            .secrets
            .open(&format!("materials:{id}"), &bytes)
            .expect("open"),
        AVATAR.as_bytes()
    ));
    // Nothing refers to it: swept once an hour old.
    let swept = fastreg_server::setup::sweep_materials(&app.state, now + 61 * minute)
        .await
        .expect("sweep");
    assert_eq!(swept, (1, 0));
    assert_eq!(app.count("SELECT COUNT(*) FROM materials").await, 0);

    // A registration's plan keeps its image while the admin may still confirm, not after.
    let now = fastreg_server::store::now_ms();
    app.start_registration(json!({ "oa_appid": OA_ENTERPRISE, "setup": { "avatar": { "image": { "filename": "a.png", "data_base64": b64(&marked_png(AVATAR)) } } } }))
        .await;
    let ttl = i64::try_from(app.settings.state_ttl_secs).expect("ttl") * 1000;
    let swept = fastreg_server::setup::sweep_materials(&app.state, now + ttl - minute)
        .await
        .expect("sweep");
    assert_eq!(swept.0, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM materials").await, 1);
    let swept = fastreg_server::setup::sweep_materials(&app.state, now + ttl + 61 * minute)
        .await
        .expect("sweep");
    assert_eq!(swept.0, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM materials").await, 0);
    app.cleanup().await;
}
on_both!(unneeded_materials_are_swept_and_old_plain_rows_sealed, swept_and_legacy);
