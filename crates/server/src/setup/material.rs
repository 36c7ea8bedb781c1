//! The images of a plan, kept sealed in `materials` until the step that needs them ends, then
//! deleted; orphans are swept by the upkeep.

use super::*;

/// What a material's sealed bytes are bound to.
pub(super) fn material_context(id: &str) -> String {
    format!("materials:{id}")
}

/// The material ids a stored plan or step spec refers to.
pub(super) fn material_ids(spec: &str) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("material_id", serde_json::Value::String(id)) => out.push(id.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(spec) {
        walk(&v, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// When a registration still awaiting its admin can no longer go on (its link expired).
pub(super) fn awaiting_cutoff(state: &AppState, now: i64) -> i64 {
    now.saturating_sub(i64::try_from(state.settings.state_ttl_secs).unwrap_or(i64::MAX / 4_000) * 1000)
}

/// Deletes the materials `spec` (a step's spec or a plan, JSON) refers to that no live step or
/// registration needs any more: called when a step is done or failed, or its spec replaced.
pub async fn release_materials(state: &AppState, tx: &mut Tx, spec: &str) -> anyhow::Result<u64> {
    let mut deleted = 0;
    for id in material_ids(spec) {
        deleted +=
            store::setup::delete_material_if_unused(&mut *tx, &id, awaiting_cutoff(state, state.now_ms())).await?;
    }
    Ok(deleted)
}

/// The materials `spec` refers to that are no longer stored (deleted when their step ended):
/// attaching it again would stop at `material_missing`.
pub async fn missing_materials(state: &AppState, spec: &str) -> anyhow::Result<Vec<String>> {
    let mut missing = Vec::new();
    for id in material_ids(spec) {
        if !store::setup::material_exists(&state.db, &id).await? {
            missing.push(id);
        }
    }
    Ok(missing)
}

/// Materials older than this that nothing refers to are swept (a plan is stored a moment before
/// the registration or step that refers to it).
pub(super) const ORPHAN_AFTER_MS: i64 = 3600 * 1000;

/// The upkeep's pass over `materials` at `now`: deletes the images no live step or registration
/// refers to (a registration that failed or whose link expired, a plan replaced, a request that
/// failed after its plan was stored) once an hour old, and seals rows stored in the clear by an
/// older version. Returns (deleted, sealed).
pub async fn sweep_materials(state: &AppState, now: i64) -> anyhow::Result<(u64, u64)> {
    let deleted =
        store::setup::delete_orphan_materials(&state.db, now - ORPHAN_AFTER_MS, awaiting_cutoff(state, now)).await?;
    let plain = store::setup::plain_material_ids(&state.db).await?;
    let mut sealed = 0;
    for id in plain {
        let Some(bytes) = store::setup::plain_material_bytes(&state.db, &id).await? else {
            continue;
        };
        let name = rules::sniff_image(&bytes).map_or("image", |k| k.extension());
        sealed += store::setup::seal_material(
            &state.db,
            &id,
            state.secrets.seal(&material_context(&id), &bytes),
            &format!("image.{name}"),
        )
        .await?;
    }
    if deleted > 0 || sealed > 0 {
        tracing::info!(deleted, sealed, "materials swept");
    }
    Ok((deleted, sealed))
}

pub(super) fn material(image: &Image) -> Option<&str> {
    match image {
        Image::Stored { material_id } => Some(material_id),
        Image::Inline { .. } => None,
    }
}
